# The requests of tests/spec/conformance.pl: the tokens it serves with, how a row of the table
# becomes bytes on a socket, and the rows every operation gets whatever it does (wrong method,
# framing, sizes, token, role, rate, media type), generated from the spec's operations so that
# a new operation cannot go unchecked: it has no sample below, and the test dies saying so.
package SpecRows;

use strict;
use warnings;

use SpecClient;
use Time::HiRes qw(sleep);

# A request that reaches each operation and changes nothing that later rows read (a tranche
# that does not exist, where one is named), and the role of a token that may call it.
my %sample = (
  createSubmission    => ['/v1/tranches/nope/submissions', 'portal'],
  getSubmission       => ['/v1/submissions/spec-1', 'portal'],
  getSubmissionProof  => ['/v1/submissions/spec-1/proof', 'portal'],
  getCheckpoint       => ['/v1/checkpoint', 'auditor'],
  getConsistencyProof => ['/v1/proofs/consistency?from=1&to=1', 'auditor'],
  getTranche          => ['/v1/tranches/open', 'portal'],
  closeTranche        => ['/v1/tranches/nope/close', 'operator'],
  closeTrancheDay     => ['/v1/tranches/nope/close-day', 'operator'],
  grantAppeal         => ['/v1/tranches/nope/appeals', 'operator'],
  exportJournal       => ['/v1/export/decisions.csv', 'auditor'],
  getMetrics          => ['/metrics', 'operator'],
  getCluster          => ['/v1/cluster', 'operator'],
  getOpsPage          => ['/ops', undef],
  streamOpsSnapshots  => ['/v1/ops/stream', 'operator'],
  getHealth           => ['/healthz', undef],
  getReadiness        => ['/readyz', undef],
);

# A role that may not call the operation (net/routes.cpp, role_may), where there is one.
my %forbidden_role = (
  createSubmission => 'operator', closeTranche => 'portal', closeTrancheDay => 'portal',
  grantAppeal => 'portal', exportJournal => 'operator', getMetrics => 'portal',
  getCluster => 'portal', streamOpsSnapshots => 'portal',
);

# A body for each POST (the generic rows are answered before it is read, or by a 404).
my %body_of = (closeTranche => '{}', closeTrancheDay => '{"date":"2024-01-01"}',
  grantAppeal => '{"id":"x","reference":"r"}', createSubmission => '{"participant":"p-x"}');

my $header_bytes_max = 8 * 1024;     # net/limits.hpp
my $body_bytes_max   = 16 * 1024;

sub new {
  my ($class, %options) = @_;
  my $self = bless {check => $options{check}}, $class;
  my %in_spec = map { $_ => 1 } $self->{check}->operation_ids;
  for my $id (sort keys %in_spec) {
    die "tests/spec/SpecRows.pm has no sample request for $id\n" unless $sample{$id};
  }
  for my $id (sort keys %sample) {
    die "tests/spec/SpecRows.pm has a sample for $id, which the spec does not have\n"
      unless $in_spec{$id};
  }
  # Rates far above what the test sends: the default 20 a second of an operator or auditor
  # would turn the table's own requests into 429s.
  for my $role (qw(portal operator auditor)) {
    $self->{tokens}{$role} = ["spec-$role-token", $role, "spec $role", 1_000_000, 1_000_000];
  }
  # One token per operation at one request a second, burst one, to see its 429.
  for my $id (sort keys %sample) {
    my $role = $sample{$id}[1] // next;
    $self->{tokens}{"limited-$id"} = ["spec-limited-$id", $role, "spec limited $id", 1, 1];
  }
  return $self;
}

# [token, role, name, requests_per_second, burst] of every token, for the token file.
sub tokens { map { $_[0]{tokens}{$_} } sort keys %{$_[0]{tokens}} }

# A row: the operation it is an answer of, the request, and the status it must get.
sub row {
  my ($self, $op, $method, $target, %more) = @_;
  return {op => $op, method => $method, target => $target, %more};
}

# The request of a row, for SpecClient: its token as a bearer, a JSON body with its type.
sub request_of {
  my ($self, $row) = @_;
  my @headers;
  if (defined $row->{token}) {
    my $token = $self->{tokens}{$row->{token}} or die "no token $row->{token}\n";
    push @headers, ['Authorization', "Bearer $token->[0]"];
  }
  push @headers, ['Content-Type', 'application/json'] if defined $row->{json};
  push @headers, ['Expect', '100-continue'] if $row->{expect_continue};
  push @headers, @{$row->{headers} || []};
  return (method => $row->{method}, target => $row->{target}, headers => \@headers,
    body => $row->{json} // $row->{body}, expect_continue => $row->{expect_continue});
}

# The response to a row (one received already, for a row that only reports it).
sub send {
  my ($self, $port, $row) = @_;
  return $row->{replay} if $row->{replay};
  return $self->send_rate_limited($port, $row) if $row->{rate_limited};
  return SpecClient->exchange($port, $self->request_of($row));
}

# The response and its still open connection (a dashboard stream holds its place while open).
sub send_kept {
  my ($self, $port, $row) = @_;
  return SpecClient->exchange($port, $self->request_of($row), keep => 1);
}

# A token at one request a second: a read spends it, and the row's request right behind it on
# the same connection is over the rate. On a machine so slow that a second passed between the
# two, the bucket is left to refill and the pair sent again.
sub send_rate_limited {
  my ($self, $port, $row) = @_;
  my %spend = (method => 'GET', target => '/v1/tranches/open',
    headers => [['Authorization', "Bearer $self->{tokens}{$row->{token}}[0]"]]);
  for my $attempt (1 .. 5) {
    my ($spent, $response) = SpecClient->pipelined($port, \%spend, {$self->request_of($row)});
    my @errors = $self->{check}->check(getTranche => $spent);
    die "the read that spends the token's rate: @errors\n" if @errors;
    return $response if $response->{status} eq '429' || $attempt == 5;
    my @answer_errors = $self->{check}->check($row->{op} => $response);
    die "a request under the rate: @answer_errors\n" if @answer_errors;
    sleep 2;
  }
}

sub closes_connection {
  my ($response) = @_;
  my $connection = lc(SpecClient::header($response, 'Connection') // '');
  return $connection eq 'close' ? () : 'no Connection: close';
}

# The rows every operation gets, whatever it does: answered before it looks at the request.
sub generic_rows {
  my ($self) = @_;
  return map { $self->generic_rows_of($_) } $self->{check}->operation_ids;
}

sub generic_rows_of {
  my ($self, $id) = @_;
  my ($target, $role) = @{$sample{$id}};
  my ($method) = map {uc} $self->{check}->operation($id);
  my %base = (token => $role, $method eq 'POST' ? (json => $body_of{$id}) : ());
  my $row  = sub {
    my ($status, $note, %more) = @_;
    return $self->row($id, $method, $target, %base, expect => $status, note => $note, %more);
  };
  # Answered before the body is read: the connection is closed, as a body may follow.
  my %closes = (then => \&closes_connection);
  my @rows   = (
    $self->row($id, $method eq 'GET' ? 'POST' : 'GET', $target, expect => 405,
      note => 'the other method'),
    $row->(400, 'a folded header line', headers => [['X-Folded', "a\r\n b"]], %closes),
    $row->(413, 'a body over 16 KiB announced', json => undef, %closes,
      headers => [['Content-Type', 'application/json'], ['Content-Length', $body_bytes_max + 1]]),
    $row->(417, 'Expect: tea', headers => [['Expect', 'tea']], %closes),
    $row->(431, 'headers over 8 KiB', headers => [['X-Padding', 'x' x $header_bytes_max]],
      %closes),
  );
  return @rows unless defined $role;
  push @rows, $row->(401, 'no token', token => undef),
    $row->(429, "over the token's rate", token => "limited-$id", rate_limited => 1);
  my $forbidden = $forbidden_role{$id};
  push @rows, $row->(403, "role $forbidden", token => $forbidden) if $forbidden;
  push @rows, $row->(415, 'a text/plain body', json => undef, body => '{}',
    headers => [['Content-Type', 'text/plain']])
    if $method eq 'POST';
  return @rows;
}

1;
