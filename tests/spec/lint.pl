#!/usr/bin/perl
# Lints docs/api.yaml: the OpenAPI 3.0 meta-schema (through JSON::Validator, as the
# conformance test loads it) and this project's own rules for the spec:
#   - every operation has an operationId (unique, lowerCamelCase), a summary, at least one
#     2xx and at least one 4xx response;
#   - every path template parameter ({name}) is declared `in: path`;
#   - every 401 declares WWW-Authenticate, every 405 Allow, every 429 and 503 Retry-After;
#   - every 4xx and 5xx response has a body, and it is application/problem+json only;
#   - every $ref is local and resolves, and every component is used (reachable from the paths;
#     a security scheme by a security requirement).
# Prints one line per finding, "JSON-pointer: message", and exits 1 if there is any; exits 0
# with a one-line summary when there is none.
#
# By hand, from the checkout:   perl tests/spec/lint.pl docs/api.yaml
# (Debian packages libjson-validator-perl and libyaml-libyaml-perl; scripts/install-deps.sh.)
use strict;
use warnings;

use JSON::Validator;
use YAML::XS ();

my (@findings, %found);

# A finding, once: a shared component is reported where it is, not at every use.
sub finding {
  my ($pointer, $message) = @_;
  push @findings, "$pointer: $message" unless $found{"$pointer: $message"}++;
}

# RFC 6901: the pointer to a node from its path of keys.
sub pointer {
  return join '', map { my $key = $_; $key =~ s/~/~0/g; $key =~ s{/}{~1}g; "/$key" } @_;
}

# The node a local "#/a/b" reference names, or undef.
sub resolve_pointer {
  my ($spec, $ref) = @_;
  return undef unless $ref =~ m{^#(/.*)?$};
  my $node = $spec;
  for my $key (split m{/}, substr($ref, 2)) {
    $key =~ s/~1/\//g;
    $key =~ s/~0/~/g;
    return undef unless ref $node eq 'HASH' && exists $node->{$key};
    $node = $node->{$key};
  }
  return $node;
}

# A response, header or parameter with its $ref followed (references may chain); undef when a
# reference does not resolve (reported by check_refs).
sub followed {
  my ($spec, $node) = @_;
  for (1 .. 10) {
    return $node unless ref $node eq 'HASH' && exists $node->{'$ref'};
    $node = resolve_pointer($spec, $node->{'$ref'});
  }
  return undef;
}

# The meta-schema: JSON::Validator's bundled OpenAPI 3.0 schema, so this works offline.
sub check_meta_schema {
  my ($file) = @_;
  my $schema = eval { JSON::Validator->new->schema($file)->schema };
  if (!$schema) {
    my ($why) = split /\n/, $@;
    $why =~ s/ at \S+ line \d+\.$//;
    finding($file, "cannot be loaded: $why");
    return;
  }
  finding($_->path || '/', 'meta-schema: ' . $_->message) for @{$schema->errors};
}

my %http_methods = map { $_ => 1 } qw(get put post delete options head patch trace);

# [path, method, operation] for every operation.
sub operations {
  my ($spec) = @_;
  my @found;
  for my $path (sort keys %{$spec->{paths} || {}}) {
    my $item = $spec->{paths}{$path};
    next unless ref $item eq 'HASH';
    for my $method (sort grep { $http_methods{$_} } keys %$item) {
      push @found, [$path, $method, $item->{$method}];
    }
  }
  return @found;
}

sub check_operation_basics {
  my ($spec, $path, $method, $operation, $ids_seen) = @_;
  my $at = pointer('paths', $path, $method);
  my $id = $operation->{operationId};
  if (!defined $id || $id eq '') {
    finding($at, 'no operationId');
  } elsif ($id !~ /^[a-z][a-zA-Z0-9]*$/) {
    finding("$at/operationId", "\"$id\" is not lowerCamelCase");
  } elsif ($ids_seen->{$id}) {
    finding("$at/operationId", "\"$id\" is also the operationId of $ids_seen->{$id}");
  } else {
    $ids_seen->{$id} = "$method $path";
  }
  finding($at, 'no summary') unless defined $operation->{summary} && $operation->{summary} =~ /\S/;
  my @statuses = keys %{$operation->{responses} || {}};
  finding("$at/responses", 'no 2xx response') unless grep {/^2(\d\d|XX)$/} @statuses;
  finding("$at/responses", 'no 4xx response') unless grep {/^4(\d\d|XX)$/} @statuses;
}

# Every {name} in the path is a parameter in: path, of the path item or of the operation.
sub check_path_parameters {
  my ($spec, $path, $method, $operation) = @_;
  my %declared;
  my @parameters = (@{$spec->{paths}{$path}{parameters} || []}, @{$operation->{parameters} || []});
  for my $parameter (@parameters) {
    my $resolved = followed($spec, $parameter) or next;
    $declared{$resolved->{name}} = 1 if ($resolved->{in} // '') eq 'path';
  }
  for my $name ($path =~ /\{([^}]+)\}/g) {
    next if $declared{$name};
    finding(pointer('paths', $path, $method, 'parameters'), "{$name} is not declared in: path");
  }
}

# The headers and bodies that statuses promise (docs/api.yaml, info.description).
my %required_header =
  (401 => 'WWW-Authenticate', 405 => 'Allow', 429 => 'Retry-After', 503 => 'Retry-After');

sub check_responses {
  my ($spec, $path, $method, $operation) = @_;
  my $responses = $operation->{responses} || {};
  for my $status (sort keys %$responses) {
    my $response = followed($spec, $responses->{$status});
    next unless ref $response eq 'HASH';    # else the meta-schema or check_refs says so
    my $ref = $responses->{$status}{'$ref'};
    my $at  = defined $ref ? substr($ref, 1)    # "#/components/..." without the "#"
      : pointer('paths', $path, $method, 'responses', $status);
    my %headers = map { lc($_) => 1 } keys %{$response->{headers} || {}};
    if (my $header = $required_header{$status}) {
      finding($at, "a $status response must declare the $header header")
        unless $headers{lc $header};
    }
    next unless $status =~ /^[45]/;
    my @types = sort keys %{$response->{content} || {}};
    finding($at, "a $status response must have an application/problem+json body, not "
      . (@types ? join(', ', @types) : 'none'))
      unless "@types" eq 'application/problem+json';
  }
}

# Every "$ref" in the document, as [pointer to it, target].
sub all_refs {
  my ($node, @path) = @_;
  my @refs;
  if (ref $node eq 'HASH') {
    my $ref = $node->{'$ref'};
    push @refs, [pointer(@path), $ref] if defined $ref && !ref $ref;
    push @refs, all_refs($node->{$_}, @path, $_) for sort keys %$node;
  } elsif (ref $node eq 'ARRAY') {
    push @refs, all_refs($node->[$_], @path, $_) for 0 .. $#$node;
  }
  return @refs;
}

sub check_refs {
  my ($spec) = @_;
  for my $ref (all_refs($spec)) {
    my ($at, $target) = @$ref;
    if ($target !~ /^#\//) {
      finding($at, "\$ref \"$target\" is not a local reference (#/...)");
    } elsif (!defined resolve_pointer($spec, $target)) {
      finding($at, "\$ref \"$target\" does not resolve");
    }
  }
}

# The components reachable from the paths (and from the top-level security requirement),
# following references transitively; each as "kind/name".
sub used_components {
  my ($spec) = @_;
  my %used;
  my @pending = ($spec->{paths});
  my @requirements = @{$spec->{security} || []};
  for my $operation (map { $_->[2] } operations($spec)) {
    push @requirements, @{$operation->{security} || []};
  }
  $used{"securitySchemes/$_"} = 1 for map { keys %$_ } grep { ref eq 'HASH' } @requirements;
  while (@pending) {
    for my $ref (all_refs(shift @pending)) {
      next unless $ref->[1] =~ m{^#/components/([^/]+)/([^/]+)$};
      next if $used{"$1/$2"}++;
      my $target = resolve_pointer($spec, $ref->[1]);
      push @pending, $target if defined $target;
    }
  }
  return \%used;
}

sub check_unused_components {
  my ($spec) = @_;
  my $used = used_components($spec);
  my $components = $spec->{components} || {};
  for my $kind (sort keys %$components) {
    next unless ref $components->{$kind} eq 'HASH';
    for my $name (sort keys %{$components->{$kind}}) {
      finding(pointer('components', $kind, $name), 'not used') unless $used->{"$kind/$name"};
    }
  }
}

sub main {
  my ($file) = @ARGV;
  die "usage: perl tests/spec/lint.pl docs/api.yaml\n" unless defined $file && @ARGV == 1;
  my $spec = eval { YAML::XS::LoadFile($file) };
  if (ref $spec ne 'HASH') {
    print "$file: not a YAML mapping" . ($@ ? ": $@" : "\n");
    return 1;
  }
  check_meta_schema($file);
  my (%ids_seen, $count);
  for my $operation (operations($spec)) {
    check_operation_basics($spec, @$operation, \%ids_seen);
    check_path_parameters($spec, @$operation);
    check_responses($spec, @$operation);
    ++$count;
  }
  finding('/paths', 'no operations') unless $count;
  check_refs($spec);
  check_unused_components($spec);
  print "$_\n" for @findings;
  $count //= 0;
  printf "%s: %d operation%s, %d finding%s\n", $file, $count, $count == 1 ? '' : 's',
    scalar @findings, @findings == 1 ? '' : 's';
  return @findings ? 1 : 0;
}

exit main();
