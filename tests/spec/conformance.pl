#!/usr/bin/perl
# Checks the real server against docs/api.yaml. Starts `loket serve` on loopback port 0 with
# a scheme and token file of its own in a temporary folder, sends a table of requests (every
# operation's success and every error status that can be provoked from outside), and checks
# each response with JSON::Validator against the spec: the status is documented for the
# operation, the declared headers are there and valid, no undeclared header is sent, and the
# body has a declared media type and matches its schema (SpecCheck.pm). It also checks the
# behaviour the spec promises: a submission to an unknown tranche is 404 and journaled
# nowhere, a 201 carries a Location that reads the submission, and a retry with the same
# Idempotency-Key gets the same body marked Idempotent-Replayed.
#
# Prints one line per request. Exits 1 if a response does not conform, a behaviour does not
# hold, the server does not exit 0 on SIGTERM, or a status the spec documents was never seen
# and is not in %cannot_provoke below (each with the reason the test cannot provoke it).
#
# By hand, from the checkout, with a built server:
#   perl tests/spec/conformance.pl --loket build/dev/loket --source .
# (--spec FILE checks another copy of the spec.) Needs the Debian packages
# libjson-validator-perl and libyaml-libyaml-perl (scripts/install-deps.sh). Nothing here
# measures time: every wait is generous, for a slow CI machine, and the server is stopped
# however the test ends (SpecServer.pm).
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;

use Getopt::Long;
use Mojo::JSON qw(decode_json);
use SpecCheck;
use SpecClient;
use SpecRows;
use SpecRunner;
use SpecServer;

$SIG{PIPE} = 'IGNORE';    # a server that closes first is an answer, not the test's end
$SIG{INT} = $SIG{TERM} = sub { print "interrupted\n"; exit 2 };    # END stops the server

# What the spec documents but one server on loopback cannot be made to answer from outside,
# without races. A listed status that is seen anyway fails the test, so the list stays true.
my $queue_or_journal = 'needs a full allocator queue (65,536 jobs), a journal that cannot write'
  . ' or a cluster election (tests/test_storage_faults.cpp, tests/test_cluster_failover.cpp)';
my $follower = "only a cluster's follower redirects: needs etcd and two nodes"
  . ' (tests/test_cluster_failover.cpp)';
my %cannot_provoke = (
  createSubmission => {
    307 => $follower,
    503 => $queue_or_journal,
    507 => 'needs 100,000,000 submissions in one journal',
  },
  closeTranche     => {307 => $follower, 503 => $queue_or_journal},
  grantAppeal      => {307 => $follower, 503 => $queue_or_journal},
  closeTrancheDay  => {
    307 => $follower,
    503 => $queue_or_journal,
    200 => 'a day can be closed once it is over, and the server closes each day itself within'
      . ' a second after midnight (tests/test_lottery_seed_server.cpp closes days in process)',
  },
  getSubmission       => {503 => $queue_or_journal},
  getSubmissionProof  => {503 => $queue_or_journal},
  getCheckpoint       => {503 => $queue_or_journal},
  getConsistencyProof => {503 => $queue_or_journal},
  getTranche          => {503 => $queue_or_journal},
  exportJournal       => {
    503 => 'two exports held open at once need a journal larger than the socket buffers'
      . ' (megabytes); the other cause is a journal being reopened',
  },
  getReadiness => {503 => 'shutting down (a race with the exit), a journal that cannot write,'
      . ' or a follower'},
  getCluster => {200 => 'needs --cluster and etcd (tests/test_cluster_failover.cpp)'},
);

my $scheme = <<'TOML';
[scheme]
id = "spec-conformance"
name = "tests/spec/conformance.pl"
unique_participant = "tranche"

# Submissions, reads and proofs; never closed by the test.
[[tranche]]
id = "open"
opens_at = "2020-01-01T00:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 1000
ranking = "arrival"

# One place: the second submission is turned down, then granted on appeal; then closed.
# What it leaves goes to "later" (R11), which cannot close before it.
[[tranche]]
id = "tiny"
opens_at = "2020-01-01T00:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 1
ranking = "arrival"
carry_over_to = "later"

[[tranche]]
id = "later"
opens_at = "2100-01-01T00:00:00Z"
closes_at = "2101-01-01T00:00:00Z"
places = 1
ranking = "arrival"
TOML

my %options;
GetOptions(\%options, 'loket=s', 'source=s', 'spec=s') && $options{loket} && $options{source}
  or die "usage: perl tests/spec/conformance.pl --loket BUILD/loket --source CHECKOUT"
  . " [--spec FILE]\n";
my $spec_file = $options{spec} // "$options{source}/docs/api.yaml";
my $check     = SpecCheck->new($spec_file);
my $rows      = SpecRows->new(check => $check);
my $runner;    # once the server listens

sub request { $rows->row(@_) }

sub json_of {
  my ($response) = @_;
  return eval { decode_json($response->{body}) } // {};
}

# --- The behaviour the spec promises ----------------------------------------------------

# A 201's Location names the submission, and reading it gives that submission.
sub location_readable {
  my ($response) = @_;
  my $location = SpecClient::header($response, 'Location') // return 'no Location';
  my $id       = json_of($response)->{id} // '';
  return "Location $location does not name $id" unless $location eq "/v1/submissions/$id";
  my $read = $runner->run(request(getSubmission => GET => $location, token => 'auditor',
    expect => 200, note => 'the Location of a 201'));
  return () if !$read || (json_of($read)->{id} // '') eq $id;
  return "GET $location gave another submission";
}

# A retry with the same Idempotency-Key: the same body, and only the retry marked.
sub replay_marked {
  my ($first, $retry) = @_;
  return 'no answers to compare' unless $first && $retry;
  my @errors;
  push @errors, 'the first answer is marked Idempotent-Replayed'
    if defined SpecClient::header($first, 'Idempotent-Replayed');
  push @errors, 'the retry is not marked Idempotent-Replayed: true'
    unless (SpecClient::header($retry, 'Idempotent-Replayed') // '') eq 'true';
  push @errors, 'the retry has another body' unless $retry->{body} eq $first->{body};
  return @errors;
}

# The submission to an unknown tranche is nowhere: not readable, in neither export.
sub journaled_nowhere {
  my ($id, $tranche) = @_;
  my @errors;
  $runner->run(request(getSubmission => GET => "/v1/submissions/$id", token => 'portal',
    expect => 404, note => 'the submission to an unknown tranche'));
  for my $file (qw(decisions.jsonl events.jsonl)) {
    my $export = $runner->run(request(exportJournal => GET => "/v1/export/$file",
      token => 'auditor', expect => 200)) or next;
    push @errors, "$file holds $id" if $export->{body} =~ /"id":"\Q$id\E"/;
    push @errors, "$file holds tranche $tranche" if $export->{body} =~ /"tranche":"\Q$tranche\E"/;
  }
  return @errors;
}

# --- The table -----------------------------------------------------------------------------

# Before anything is decided: no checkpoint yet, so no consistency proof either.
sub fresh_journal {
  my $proof = '/v1/proofs/consistency';
  $runner->run_all(
    request(getCheckpoint => GET => '/v1/checkpoint', token => 'auditor', expect => 404),
    request(getConsistencyProof => GET => "$proof?from=1&to=1", token => 'auditor',
      expect => 400, note => 'sizes-out-of-range'),
    request(getConsistencyProof => GET => "$proof?from=x", token => 'auditor', expect => 400,
      note => 'invalid-query'),
    request(getHealth => GET => '/healthz', expect => 200),
    request(getReadiness => GET => '/readyz', expect => 200),
    request(getOpsPage => GET => '/ops', expect => 200),
    request(getMetrics => GET => '/metrics', token => 'auditor', expect => 200),
    request(getCluster => GET => '/v1/cluster', token => 'operator', expect => 404),
    request(streamOpsSnapshots => GET => '/v1/ops/stream', token => 'auditor', expect => 200));
}

sub submit {
  my ($tranche, $body, %more) = @_;
  return request(createSubmission => POST => "/v1/tranches/$tranche/submissions",
    token => 'portal', json => $body, expect => 201, %more);
}

sub keyed { (headers => [['Idempotency-Key', $_[0]]]) }

sub submissions {
  my $first = $runner->run(submit(open => '{"id":"spec-1","participant":"p-1"}'));
  $runner->behaviour('a 201 carries a Location that reads the submission',
    $first ? location_readable($first) : 'no 201');
  my $generated = $runner->run(submit(open => '{"participant":"p-2"}', note => 'id generated'));
  $runner->behaviour('a generated id starts with loket.',
    (json_of($generated // {body => ''})->{id} // '') =~ /^loket\./ ? () : 'it does not');
  my $body     = '{"id":"spec-3","participant":"p-3"}';
  my $original = $runner->run(submit(open => $body, keyed('spec-key-3')));
  my $retry    = $runner->run(submit(open => $body, keyed('spec-key-3'), note => 'a retry'));
  $runner->behaviour('a retried submission is replayed', replay_marked($original, $retry));
  my $invalid = '{"id":"spec-4"}';    # no participant: decided, rejected `invalid`
  $original = $runner->run(submit(open => $invalid, keyed('spec-key-4'), expect => 422,
    note => 'invalid'));
  $retry = $runner->run(submit(open => $invalid, keyed('spec-key-4'), expect => 422,
    note => 'a retry'));
  $runner->behaviour('a retried invalid submission is replayed', replay_marked($original, $retry));
  $runner->run_all(
    submit(open => '{"id":"spec-3b","participant":"p-3"}', keyed('spec-key-3'), expect => 422,
      note => 'key reused'),
    submit(open => '{"id":"spec-1","participant":"p-9"}', expect => 409, note => 'id used'),
    submit(open => '{"participant":', expect => 400, note => 'invalid-json'),
    submit(open => '{"participant":"p-9","nonsense":1}', expect => 400, note => 'unknown-field'),
    submit(open => '{"id":"loket.mine","participant":"p-9"}', expect => 400,
      note => 'reserved-id'),
    submit(open => '{"participant":"p-9"}', keyed(' '), expect => 400,
      note => 'invalid-idempotency-key'),
    submit(open => '{"participant":"p-9"}', expect => 400, note => 'Authorization twice',
      headers => [['Authorization', 'Bearer spec-portal-token']]),
    submit(open => '{"id":"spec-6","participant":"p-6"}', expect_continue => 1,
      note => 'Expect: 100-continue',
      then => sub { $_[0]{interim} == 1 ? () : 'no 100 Continue before the answer' }));
}

sub unknown_tranche {
  $runner->run(submit(nope => '{"id":"ghost-1","participant":"p-ghost"}', keyed('spec-key-5'),
    expect => 404));
  # Had the 404 used the key up, the same key with another submission would be 422.
  $runner->run(submit(open => '{"id":"spec-5","participant":"p-5"}', keyed('spec-key-5'),
    note => 'the key of the 404'));
  $runner->behaviour('a submission to an unknown tranche is journaled nowhere',
    journaled_nowhere('ghost-1', 'nope'));
}

sub reads_before_close {
  my %portal = (token => 'portal');
  $runner->run_all(
    request(getSubmission => GET => '/v1/submissions/spec-3', %portal, expect => 200),
    request(getSubmission => GET => '/v1/submissions/nobody', %portal, expect => 404),
    # Checkpointed only at a close or after --checkpoint-interval (a day): not yet.
    request(getSubmissionProof => GET => '/v1/submissions/spec-3/proof', %portal,
      expect => 409),
    request(getSubmissionProof => GET => '/v1/submissions/nobody/proof', %portal,
      expect => 404),
    request(getTranche => GET => '/v1/tranches/open', %portal, expect => 200),
    request(getTranche => GET => '/v1/tranches/nope', %portal, expect => 404));
}

sub operator {
  my ($command, $tranche, $body, %more) = @_;
  my %path = (closeTranche => 'close', closeTrancheDay => 'close-day', grantAppeal => 'appeals');
  return request($command => POST => "/v1/tranches/$tranche/$path{$command}",
    token => 'operator', json => $body, expect => 200, %more);
}

sub operator_commands {
  $runner->run(submit(tiny => '{"id":"tiny-1","participant":"p-t1"}'));
  $runner->run(submit(tiny => '{"id":"tiny-2","participant":"p-t2"}', note => 'tranche full'));
  my $appeal  = '{"id":"tiny-2","reference":"spec-ref-1"}';
  my $granted = $runner->run(operator(grantAppeal => tiny => $appeal, keyed('spec-appeal')));
  my $again   = $runner->run(operator(grantAppeal => tiny => $appeal, keyed('spec-appeal'),
    note => 'a retry'));
  $runner->behaviour('a retried appeal is replayed', replay_marked($granted, $again));
  $runner->run(operator(closeTranche => later => '{}', expect => 409,
    note => 'a source still open'));
  my $closed   = $runner->run(operator(closeTranche => tiny => '{}', keyed('spec-close')));
  my $reclosed = $runner->run(operator(closeTranche => tiny => '{}', keyed('spec-close'),
    note => 'a retry'));
  $runner->behaviour('a retried close is replayed', replay_marked($closed, $reclosed));
  my $date = '{"date":"2024-01-01"}';
  $runner->run_all(
    operator(grantAppeal => tiny => $appeal, expect => 409, note => 'the same appeal'),
    operator(grantAppeal => tiny => '{"id":"nobody","reference":"r"}', expect => 404),
    operator(grantAppeal => tiny => '{"id":"tiny-2"}', expect => 400, note => 'no reference'),
    operator(grantAppeal => tiny => $appeal, keyed('spec-close'), expect => 422,
      note => 'key reused'),
    operator(closeTranche => tiny => '{}', expect => 409, note => 'closed already'),
    operator(closeTranche => nope => '{}', expect => 404),
    operator(closeTranche => open => '{"seed":"zz"}', expect => 400, note => 'invalid-field'),
    operator(closeTranche => open => '{}', keyed('spec-appeal'), expect => 422,
      note => 'key reused'),
    operator(closeTrancheDay => open => $date, expect => 409, note => 'an arrival tranche'),
    operator(closeTrancheDay => nope => $date, expect => 404),
    operator(closeTrancheDay => open => '{"date":"soon"}', expect => 400),
    operator(closeTrancheDay => open => $date, keyed('spec-close'), expect => 422,
      note => 'key reused'));
}

# The close journaled a checkpoint: now there are proofs.
sub reads_after_close {
  my %auditor = (token => 'auditor');
  $runner->run_all(
    request(getSubmissionProof => GET => '/v1/submissions/spec-3/proof', token => 'portal',
      expect => 200),
    request(getCheckpoint => GET => '/v1/checkpoint', token => 'portal', expect => 200),
    request(getConsistencyProof => GET => '/v1/proofs/consistency?from=1&to=1',
      token => 'portal', expect => 200),
    request(getTranche => GET => '/v1/tranches/tiny', token => 'operator', expect => 200),
    (map { request(exportJournal => GET => "/v1/export/$_", %auditor, expect => 200) }
      qw(events.jsonl events.csv decisions.jsonl decisions.csv
        events.csv?dialect=excel-nl decisions.csv?dialect=rfc4180)),
    (map { request(exportJournal => GET => "/v1/export/$_", %auditor, expect => 400) }
      qw(events.csv?dialect=excel events.jsonl?dialect=excel-nl)),
    request(exportJournal => GET => '/v1/export/events.csv?format=x', %auditor, expect => 404),
    request(exportJournal => GET => '/v1/export/everything.txt', %auditor, expect => 404));
}

# At most 16 dashboard streams at once: streams are held open until one more is refused.
# The earlier stream may still hold a place until the server notices its client left, so the
# refusal may come one sooner; it must come.
sub streams_full {
  my (@held, $refused);
  for my $count (1 .. 40) {
    my $stream = request(streamOpsSnapshots => GET => '/v1/ops/stream', token => 'operator');
    my ($response, $connection) = eval { $rows->send_kept($runner->{port}, $stream) };
    last unless $response;
    push @held, $connection;
    my $full = $response->{status} eq '503';
    $runner->run({%$stream, replay => $response, expect => $full ? 503 : 200,
      note => $full ? "stream $count" : "stream $count, held open"});
    if ($full) {
      $refused = 1;
      last;
    }
  }
  $_->close_connection for @held;
  $runner->behaviour('a 17th dashboard stream is refused 503', $refused ? () : 'never refused');
}

sub main {
  my $folder = SpecServer::folder();
  my $server = SpecServer->start(
    loket     => $options{loket},
    folder    => $folder,
    arguments => [
      '--scheme' => SpecServer::write_file("$folder/scheme.toml", $scheme),
      '--data'   => "$folder/journal",
      '--listen' => '127.0.0.1:0',
      '--tokens' => SpecServer::token_file("$folder/tokens.toml", $rows->tokens),
      # No checkpoint but those a close journals, so that a new decision has no proof yet.
      '--checkpoint-interval' => 86400,
    ],
  );
  print "loket serve on 127.0.0.1:$server->{port}, checked against $spec_file\n";
  $runner = SpecRunner->new(check => $check, rows => $rows, port => $server->{port});
  fresh_journal();
  submissions();
  unknown_tranche();
  reads_before_close();
  operator_commands();
  reads_after_close();
  streams_full();
  $runner->run_all($rows->generic_rows);
  my $status = $server->stop;
  $runner->behaviour('the server exits 0 on SIGTERM', $status == 0 ? () : "wait status $status");
  $runner->check_coverage(\%cannot_provoke);
  if ($runner->failures) {
    print "the server's log:\n", $server->log_text;
    print "FAILED: ", $runner->failures, " (above)\n";
    return 1;
  }
  print "every response conforms to $spec_file\n";
  return 0;
}

exit main();
