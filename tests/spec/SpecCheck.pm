# Checks responses against docs/api.yaml for tests/spec/conformance.pl, and keeps count of
# which operation answered which status. JSON::Validator's validate_response checks the
# declared headers (their schemas, and that required ones are there) and the body against the
# schema of its media type; it passes an undocumented status and an undeclared body or header
# in silence, so those are checked here, as are things a schema cannot say: a JSON member
# twice, and a problem whose `status` is not the response's.
package SpecCheck;

use strict;
use warnings;

use JSON::Validator;
use Mojo::JSON qw(decode_json);

# Headers every response may carry, whatever the spec says about the operation.
my %framing_header =
  map { $_ => 1 } qw(server content-type content-length transfer-encoding connection);

# The node a local reference names.
sub resolved {
  my ($data, $node) = @_;
  while (ref $node eq 'HASH' && defined $node->{'$ref'}) {
    my $target = $data;
    for my $key (split m{/}, $node->{'$ref'} =~ s{^#/}{}r) {
      $target = $target->{$key =~ s/~1/\//gr =~ s/~0/~/gr} // die "unresolved $node->{'$ref'}\n";
    }
    $node = $target;
  }
  return $node;
}

# The spec with every response and response header that is a $ref replaced by a copy of what
# it names: validate_response reads neither through a reference (JSON::Validator 5.14 follows
# references in schemas only), and would check nothing of a referenced 405 or its Allow.
sub inline_responses {
  my ($data) = @_;
  for my $item (values %{$data->{paths}}) {
    for my $operation (grep { ref eq 'HASH' && $_->{responses} } values %$item) {
      for my $status (keys %{$operation->{responses}}) {
        my %response = %{resolved($data, $operation->{responses}{$status})};
        my $headers  = $response{headers} || {};
        $response{headers} = {map { $_ => {%{resolved($data, $headers->{$_})}} } keys %$headers};
        $operation->{responses}{$status} = \%response;
      }
    }
  }
  return $data;
}

sub new {
  my ($class, $file) = @_;
  my $loaded = JSON::Validator->new->schema($file)->schema;
  die "$file does not load: " . join("\n", @{$loaded->errors}) . "\n" if @{$loaded->errors};
  my $schema = JSON::Validator->new->schema(inline_responses($loaded->data))->schema;
  die "$file does not load inlined: " . join("\n", @{$schema->errors}) . "\n" if @{$schema->errors};
  # No coercion: a body's "5" is not an integer. Header values are converted below instead.
  $schema->coerce({});
  my $self = bless {schema => $schema, operations => {}, seen => {}}, $class;
  for my $route ($schema->routes->each) {
    my $id = $route->{operation_id}
      // die "$file: $route->{method} $route->{path} has no operationId (tests/spec/lint.pl)\n";
    $self->{operations}{$id} = [$route->{method}, $route->{path}];
  }
  $self->{file} = $file;
  return $self;
}

# [method, path template] of an operationId; dies on one the spec does not have.
sub operation {
  my ($self, $id) = @_;
  return @{$self->{operations}{$id} || die "$self->{file} has no operation $id\n"};
}

sub operation_ids { sort keys %{$_[0]{operations}} }

# The statuses the spec documents for an operation.
sub statuses {
  my ($self, $id) = @_;
  my ($method, $path) = $self->operation($id);
  return sort keys %{$self->{schema}->get([paths => $path, $method, 'responses']) || {}};
}

sub covered { $_[0]{seen}{$_[1]}{$_[2]} }

# The response object the spec has for a status (its references inlined), or undef.
sub response_spec {
  my ($self, $method, $path, $status) = @_;
  return $self->{schema}->get([paths => $path, $method, 'responses', $status]);
}

# The declared headers' values, by their declared names; integers as numbers (a header is
# text on the wire). Returns (\%values, @errors) with an error per header sent twice or sent
# without being declared.
sub header_values {
  my ($declared, $response) = @_;
  my (%values, @errors, %by_name);
  push @{$by_name{lc $_->[0]}}, $_ for @{$response->{headers}};
  for my $name (keys %$declared) {
    my $sent = delete $by_name{lc $name} or next;
    push @errors, "header $name sent " . scalar(@$sent) . ' times' if @$sent > 1;
    my $value = $sent->[0][1];
    my $type  = ($declared->{$name}{schema} || {})->{type} // '';
    $value = 0 + $value if $type eq 'integer' && $value =~ /^-?\d+$/;
    $values{$name} = $value;
  }
  for my $name (sort keys %by_name) {
    push @errors, "header $by_name{$name}[0][0] is not documented" unless $framing_header{$name};
  }
  return (\%values, @errors);
}

# The names of members that occur twice in one object of a JSON text (it is valid JSON
# already). Mojo::JSON keeps the last silently; a strict client refuses the document.
sub duplicate_members {
  my ($text) = @_;
  my (@stack, @twice);
  while ($text =~ /\G\s*(?:("(?:[^"\\]|\\.)*")|([{}\[\]:,])|([^"{}\[\]:,\s]+))/gc) {
    my ($string, $mark) = ($1, $2);
    if (defined $mark) {
      push @stack, ($mark eq '{' ? {key_next => 1, keys => {}} : {array => 1}) if $mark =~ /[{\[]/;
      pop @stack if $mark =~ /[}\]]/;
      $stack[-1]{key_next} = 1 if $mark eq ',' && @stack && !$stack[-1]{array};
      next;
    }
    next unless defined $string && @stack && $stack[-1]{key_next};
    $stack[-1]{key_next} = 0;
    push @twice, $string if $stack[-1]{keys}{$string}++;
  }
  return @twice;
}

# The essence of the response's media type: "text/plain; charset=utf-8" is text/plain.
sub media_type {
  my ($response) = @_;
  return lc((SpecClient::header($response, 'Content-Type') // '') =~ s/\s*;.*//sr);
}

# (readable, value for the validator, @errors) of a body of the media type.
sub body_value {
  my ($media_type, $response) = @_;
  my $body = $response->{body};
  return (1, $body) unless $media_type =~ m{^application/(?:.+\+)?json$};
  my $value = eval { decode_json($body) };
  return (0, undef, 'the body is not JSON: ' . ($@ =~ s/\s+$//r)) if $@;
  my @errors = map {"JSON member $_ appears twice in one object"} duplicate_members($body);
  if ($media_type eq 'application/problem+json' && ref $value eq 'HASH') {
    my $status = $value->{status} // 'none';
    push @errors, "the problem's status $status is not the response's $response->{status}"
      if $status ne $response->{status};
  }
  return (1, $value, @errors);
}

# Errors of the body against the media types the response declares.
sub body_errors {
  my ($declared, $response) = @_;
  my @types = sort keys %{$declared->{content} || {}};
  my $sent  = media_type($response);
  my $body  = $response->{body} // '';
  return ()                                               if !@types && $body eq '';
  return ("a body ($sent) where the spec declares none") if !@types;
  return ("no body where the spec declares @types")       if $body eq '';
  return ("Content-Type $sent is not one of @types")      if !grep { $_ eq $sent } @types;
  return ();
}

# Every error of the response as the operation's answer; records its status as exercised.
sub check {
  my ($self, $id, $response) = @_;
  my ($method, $path) = $self->operation($id);
  my $status   = $response->{status};
  my $declared = $self->response_spec($method, $path, $status)
    or return ("status $status is not documented for $id");
  $self->{seen}{$id}{$status}++;
  my ($headers, @errors) = header_values($declared->{headers} || {}, $response);
  my ($readable, $value) = (0, undef);
  if (my @body_errors = body_errors($declared, $response)) {
    push @errors, @body_errors;
  } elsif ($response->{body} ne '') {
    ($readable, $value, my @value_errors) = body_value(media_type($response), $response);
    push @errors, @value_errors;
  }
  # The body is checked against its schema only when it is there as its media type says.
  my $body = sub { +{exists => $readable, value => $value, content_type => media_type($response)} };
  push @errors, map {"$_"} $self->{schema}->validate_response([$method, $path, $status],
    {header => $headers, body => $body});
  return @errors;
}

1;
