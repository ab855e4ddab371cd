# The real `loket serve` for tests/spec/conformance.pl: started on loopback port 0 in a
# temporary folder (its journal, scheme, token file and log), its port read from its
# "listening on" line, and stopped with SIGTERM at the end, or SIGKILL if it does not stop.
# An END block stops a server still running however the test ends, before File::Temp removes
# the folder (File::Temp's END block runs after this one: it was compiled first).
package SpecServer;

use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);

our $START_TIMEOUT = 180;    # seconds: a sanitizer build on a busy 2-core machine is slow
our $STOP_TIMEOUT  = 120;
my %running;                 # pid => server, for the END block

sub folder { tempdir('loket-spec-XXXXXX', TMPDIR => 1, CLEANUP => 1) }

sub write_file {
  my ($path, $text) = @_;
  open my $file, '>', $path or die "cannot write $path: $!\n";
  print {$file} $text;
  close $file or die "cannot write $path: $!\n";
  return $path;
}

# A token file: each token as [token, role, name, requests_per_second, burst].
sub token_file {
  my ($path, @tokens) = @_;
  my $text = '';
  for my $token (@tokens) {
    my ($secret, $role, $name, $rate, $burst) = @$token;
    $text .= sprintf qq([[token]]\nname = "%s"\nrole = "%s"\nsha256 = "%s"\n), $name, $role,
      sha256_hex($secret);
    $text .= "requests_per_second = $rate\nburst = $burst\n" if defined $rate;
    $text .= "\n";
  }
  return write_file($path, $text);
}

# The binary may be relinked while a developer runs this by hand: wait for it a while.
sub wait_for_binary {
  my ($loket) = @_;
  for (1 .. 60) {
    return if -x $loket;
    sleep 1;
  }
  die "$loket is not an executable\n";
}

# Starts `loket serve` with these arguments after `serve`; returns the server, with its port.
sub start {
  my ($class, %options) = @_;
  wait_for_binary($options{loket});
  my $log = "$options{folder}/serve.log";
  my $pid = fork;
  die "cannot fork: $!\n" unless defined $pid;
  if ($pid == 0) {
    open STDIN,  '<',  '/dev/null' or POSIX::_exit(127);
    open STDOUT, '>>', $log        or POSIX::_exit(127);
    open STDERR, '>&', \*STDOUT    or POSIX::_exit(127);
    exec $options{loket}, 'serve', @{$options{arguments}} or POSIX::_exit(127);
  }
  my $self = bless {pid => $pid, log => $log}, $class;
  $running{$pid} = $self;
  $self->{port} = $self->wait_for_port;
  return $self;
}

sub log_text {
  my ($self) = @_;
  open my $file, '<', $self->{log} or return '';
  local $/;
  return <$file> // '';
}

sub wait_for_port {
  my ($self) = @_;
  for (1 .. $START_TIMEOUT * 10) {
    return $1 if $self->log_text =~ m{listening on http://127\.0\.0\.1:(\d+)};
    if (waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
      delete $running{$self->{pid}};
      die "loket serve exited at start (status $?):\n" . $self->log_text;
    }
    sleep 0.1;
  }
  die "loket serve did not listen within $START_TIMEOUT s:\n" . $self->log_text;
}

# SIGTERM: it finishes what is in flight and exits 0 (docs/api.md). Returns the wait status.
sub stop {
  my ($self) = @_;
  return $self->{status} if defined $self->{status};
  kill 'TERM', $self->{pid};
  for (1 .. $STOP_TIMEOUT * 10) {
    if (waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
      $self->{status} = $?;
      delete $running{$self->{pid}};
      return $self->{status};
    }
    sleep 0.1;
  }
  kill 'KILL', $self->{pid};
  waitpid $self->{pid}, 0;
  $self->{status} = $?;
  delete $running{$self->{pid}};
  return $self->{status};
}

END {
  local $?;    # the test's own exit status stands
  $_->stop for values %running;
}

1;
