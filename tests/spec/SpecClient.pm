# A raw HTTP/1.1 client for tests/spec/conformance.pl. Raw, because the test must send what a
# library would repair or refuse to send (a folded header line, a header twice, a Content-Length
# without its body, an 8 KiB header) and must see every header of the answer as sent.
# Every read waits at most $SpecClient::TIMEOUT seconds: generous, for a slow CI machine; the
# test asserts nothing about time.
package SpecClient;

use strict;
use warnings;

use Errno qw(ECONNRESET EINTR);
use IO::Select;
use IO::Socket::INET;

our $TIMEOUT = 120;

# A connection: its socket and the bytes read but not yet parsed.
sub connect_to {
  my ($class, $port) = @_;
  my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
    Timeout => $TIMEOUT)
    or die "cannot connect to 127.0.0.1:$port: $!\n";
  binmode $socket;
  return bless {socket => $socket, buffer => ''}, $class;
}

sub close_connection {
  my ($self) = @_;
  close $self->{socket} if $self->{socket};
  $self->{socket} = undef;
}

# The bytes of a request: its line, Host, the headers in the order given (a name may repeat),
# a Content-Length for a body unless one is given, and the body.
sub request_bytes {
  my (%request) = @_;
  my $body    = $request{body} // '';
  my @headers = (['Host', '127.0.0.1'], @{$request{headers} || []});
  my $framed  = grep { $_->[0] =~ /^(content-length|transfer-encoding)$/i } @headers;
  push @headers, ['Content-Length', length $body] if length $body && !$framed;
  my $head = "$request{method} $request{target} HTTP/1.1\r\n";
  $head .= "$_->[0]: $_->[1]\r\n" for @headers;
  return "$head\r\n" . ($request{send_body} // 1 ? $body : '');
}

sub send_bytes {
  my ($self, $bytes) = @_;
  while (length $bytes) {
    my $written = syswrite $self->{socket}, $bytes;
    if (!defined $written) {
      next if $! == EINTR;
      die "cannot send: $!\n";
    }
    substr($bytes, 0, $written) = '';
  }
}

# Reads more into the buffer; false at the end of the stream (a reset counts as the end: the
# server closes a connection it will not read further, and what it sent before stays read).
sub fill {
  my ($self) = @_;
  die "no answer within $TIMEOUT s\n" unless IO::Select->new($self->{socket})->can_read($TIMEOUT);
  my $read = sysread $self->{socket}, my $bytes, 65536;
  if (!defined $read) {
    return $self->fill if $! == EINTR;
    return 0 if $! == ECONNRESET;
    die "cannot read: $!\n";
  }
  $self->{buffer} .= $bytes;
  return $read;
}

# Takes `count` bytes off the buffer, reading as needed.
sub take {
  my ($self, $count) = @_;
  while (length $self->{buffer} < $count) {
    $self->fill or die "the connection ended inside a body\n";
  }
  return substr $self->{buffer}, 0, $count, '';
}

# Takes one CRLF-terminated line off the buffer, without the CRLF.
sub take_line {
  my ($self) = @_;
  my $end;
  until (($end = index $self->{buffer}, "\r\n") >= 0) {
    $self->fill or die "the connection ended inside a line\n";
  }
  my $line = substr $self->{buffer}, 0, $end + 2, '';
  return substr $line, 0, -2;
}

# The status line and header fields of the next response: {status, headers => [[name, value]]}.
sub read_head {
  my ($self) = @_;
  until (index($self->{buffer}, "\r\n\r\n") >= 0) {
    $self->fill or die "the connection ended before a response"
      . (length $self->{buffer} ? " was complete\n" : "\n");
  }
  my $status_line = $self->take_line;
  die "not an HTTP/1.1 status line: $status_line\n"
    unless $status_line =~ m{^HTTP/1\.[01] (\d{3})(?: .*)?$};
  my %head = (status => $1, headers => []);
  while ((my $line = $self->take_line) ne '') {
    die "not a header field: $line\n"
      unless $line =~ /^([!#\$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
    push @{$head{headers}}, [$1, $2];
  }
  return \%head;
}

sub header_values {
  my ($response, $name) = @_;
  return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{$response->{headers}};
}

sub header {
  my ($response, $name) = @_;
  my @values = header_values($response, $name);
  return $values[0];
}

# A chunked body. An event stream never ends: it is read up to its first whole event, and
# the response is marked `partial`.
sub read_chunked {
  my ($self, $response, $first_event_only) = @_;
  my $body = '';
  for (;;) {
    my ($size) = $self->take_line =~ /^([0-9a-fA-F]+)/ or die "not a chunk size line\n";
    if (hex $size == 0) {
      1 while $self->take_line ne '';    # the trailer
      last;
    }
    $body .= $self->take(hex $size);
    $self->take(2) eq "\r\n" or die "a chunk does not end with CRLF\n";
    if ($first_event_only && $body =~ /\n\n/) {
      $response->{partial} = 1;
      last;
    }
  }
  return $body;
}

# The next response on the connection, skipping interim (1xx) ones, which are counted.
sub read_response {
  my ($self) = @_;
  my $response = $self->read_head;
  my $interim  = 0;
  while ($response->{status} =~ /^1/) {
    ++$interim;
    $response = $self->read_head;
  }
  $response->{interim} = $interim;
  return $self->read_body($response);
}

# The body of the response whose head was read: chunked, by Content-Length, or to the end.
sub read_body {
  my ($self, $response) = @_;
  my $length = header($response, 'Content-Length');
  if (lc(header($response, 'Transfer-Encoding') // '') eq 'chunked') {
    my $event_stream = (header($response, 'Content-Type') // '') =~ m{^text/event-stream}i;
    $response->{body} = $self->read_chunked($response, $event_stream);
  } elsif (defined $length) {
    $response->{body} = $self->take($length);
  } else {
    1 while $self->fill;
    $response->{body} = substr $self->{buffer}, 0, length $self->{buffer}, '';
  }
  return $response;
}

# One request on a connection of its own, which is closed afterwards (unless `keep` is set,
# then the connection is returned too: an event stream stays open while it is held).
# With `expect_continue`, the header is sent first and the body only after 100 Continue.
sub exchange {
  my ($class, $port, %request) = @_;
  my $connection = $class->connect_to($port);
  my $response;
  if ($request{expect_continue}) {
    # The header alone first: the answer is 100 Continue, or already the final one.
    $connection->send_bytes(request_bytes(%request, send_body => 0));
    $response = $connection->read_head;
    if ($response->{status} eq '100') {
      $connection->send_bytes($request{body} // '');
      $response = $connection->read_response;
      $response->{interim} = 1;
    } else {
      $response->{interim} = 0;
      $connection->read_body($response);
    }
  } else {
    $connection->send_bytes(request_bytes(%request));
    $response = $connection->read_response;
  }
  return ($response, $connection) if $request{keep};
  $connection->close_connection;
  return $response;
}

# Several requests written at once on one connection, and their responses in order.
sub pipelined {
  my ($class, $port, @requests) = @_;
  my $connection = $class->connect_to($port);
  $connection->send_bytes(join '', map { request_bytes(%$_) } @requests);
  my @responses = map { $connection->read_response } @requests;
  $connection->close_connection;
  return @responses;
}

1;
