# Runs the rows of tests/spec/conformance.pl against a server and reports: one line per
# request ("METHOD target (note) -> status: ok" or the errors), one per behaviour, and at the
# end the documented statuses no request exercised that are not excused.
package SpecRunner;

use strict;
use warnings;

use SpecClient;

sub new {
  my ($class, %options) = @_;    # check (SpecCheck), rows (SpecRows), port
  return bless {%options, failures => 0}, $class;
}

sub failures { $_[0]{failures} }

sub fail {
  my ($self, $line) = @_;
  print "$line\n";
  ++$self->{failures};
}

# Sends a row's request, checks the response against the spec, the row's status and its own
# check (`then`, only once the rest holds), prints the outcome; returns the response or undef.
sub run {
  my ($self, $row) = @_;
  my $response = eval { $self->{rows}->send($self->{port}, $row) };
  my $line = "$row->{method} $row->{target}" . ($row->{note} ? " ($row->{note})" : '');
  if (!$response) {
    $self->fail("$line -> no response: " . ($@ =~ s/\s+$//r));
    return undef;
  }
  my @errors = $self->{check}->check($row->{op}, $response);
  push @errors, "expected $row->{expect}" if $response->{status} ne $row->{expect};
  push @errors, $row->{then}->($response) if $row->{then} && !@errors;
  if (@errors) {
    $self->fail("$line -> $response->{status}: " . join('; ', @errors));
  } else {
    print "$line -> $response->{status}: ok\n";
  }
  return $response;
}

sub run_all {
  my ($self, @rows) = @_;
  $self->run($_) for @rows;
}

# A behaviour the spec promises holds when there are no errors.
sub behaviour {
  my ($self, $name, @errors) = @_;
  if (@errors) {
    $self->fail("behaviour: $name: " . join('; ', @errors));
  } else {
    print "behaviour: $name: ok\n";
  }
}

# Fails for each documented status that no response had, unless `cannot_provoke` excuses it
# (operationId => {status => reason}); and for each excuse that is not true any more.
sub check_coverage {
  my ($self, $cannot_provoke) = @_;
  my $check = $self->{check};
  for my $id ($check->operation_ids) {
    my %documented = map { $_ => 1 } $check->statuses($id);
    for my $status (sort keys %documented) {
      my $reason = $cannot_provoke->{$id}{$status};
      if ($check->covered($id, $status)) {
        $self->fail("coverage: $id $status is listed as not provokable, but was seen") if $reason;
      } elsif ($reason) {
        print "not provoked: $id $status: $reason\n";
      } else {
        $self->fail("coverage: $id $status was never exercised");
      }
    }
    for my $status (sort grep { !$documented{$_} } keys %{$cannot_provoke->{$id} || {}}) {
      $self->fail("coverage: $id $status is listed as not provokable, but is not documented");
    }
  }
  for my $id (sort keys %$cannot_provoke) {
    $self->fail("coverage: $id is listed, but the spec has no such operation")
      unless grep { $_ eq $id } $check->operation_ids;
  }
}

1;
