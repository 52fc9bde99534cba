// Agents are started by a small helper process instead of by Node itself. Measured here:
// each child_process.spawn() blocks Node's event loop ~2.4 ms (fork of a large process, then
// waiting for exec), which capped a whole daemon at ~400 agent runs per second, below
// pacemaker-remoted. A Perl helper (perl-base is Essential in Debian, so it is always there)
// forks about 4x faster and off our event loop. Timeouts and kills stay in Node: the helper
// reports each child's pid, and every child leads its own process group.
//
// Wire format, both directions: 8 hex digits of length, then fields separated by NUL.
//   to helper:   S id uid gid file argc arg... NAME=VALUE...
//   from helper: P id pid                       (started)
//                E id errno                     (fork failed)
//                X id waitstatus outlen errlen  + stdout bytes + stderr bytes
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import type { ProcessOptions, ProcessResult, RunningProcess } from "./run-process.js";

const HELPER = String.raw`
use strict; use warnings; use POSIX (); use Errno ();
my $LIMIT = 1048576;
$SIG{PIPE} = 'IGNORE';
my $chld = 0; $SIG{CHLD} = sub { $chld = 1 };
binmode STDIN; binmode STDOUT;
my (%kids, %byfd);
my $inbuf = '';
sub emit { my $s = sprintf('%08x', length $_[0]) . $_[0]; my $o = 0;
  while ($o < length $s) { my $n = syswrite(STDOUT, $s, length($s) - $o, $o);
    if (!defined $n) { next if $!{EINTR}; POSIX::_exit(0); } $o += $n; } }
sub finish { my ($pid) = @_; my $k = delete $kids{$pid};
  for my $fh (@{$k->{fhs}}) { next unless defined $fh; delete $byfd{fileno $fh}; close $fh; }
  emit(join("\0", 'X', $k->{id}, $k->{status}, length $k->{out}, length $k->{err}, '') . $k->{out} . $k->{err}); }
sub readfd { my ($fd) = @_; my ($pid, $which, $fh, $slot) = @{$byfd{$fd}}; my $k = $kids{$pid};
  my $n = sysread($fh, my $buf, 65536);
  if (!defined $n) { return 1 if $!{EINTR} || $!{EAGAIN}; $n = 0; }
  if ($n == 0) { delete $byfd{$fd}; close $fh; $k->{fhs}[$slot] = undef; $k->{open}--; return 0; }
  $k->{$which} .= $buf if length($k->{$which}) < $LIMIT; return 1; }
sub drain { my ($pid) = @_; my $k = $kids{$pid};
  for my $fh (@{$k->{fhs}}) { next unless defined $fh; my $fd = fileno $fh;
    while (exists $byfd{$fd}) { my $r = ''; vec($r, $fd, 1) = 1;
      last unless select($r, undef, undef, 0) > 0; last unless readfd($fd); } } }
sub reap { while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) { my $k = $kids{$pid} or next;
    $k->{status} = $?; drain($pid); finish($pid); } }
sub start { my @f = split /\0/, $_[0], -1; my ($id, $uid, $gid, $file, $argc) = @f[1..5];
  my @args = @f[6 .. 5 + $argc]; my @env = @f[6 + $argc .. $#f];
  my ($or, $ow, $er, $ew);
  unless (pipe($or, $ow) && pipe($er, $ew)) { emit("E\0$id\0" . ($! + 0)); return; }
  my $pid = fork();
  if (!defined $pid) { my $e = $! + 0; close $_ for ($or, $ow, $er, $ew); emit("E\0$id\0$e"); return; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
    POSIX::setsid();
    open(STDIN, '<', '/dev/null');
    POSIX::dup2(fileno $ow, 1); POSIX::dup2(fileno $ew, 2);
    chdir '/';
    if ($gid ne '') { POSIX::setgid($gid); } if ($uid ne '') { POSIX::setuid($uid); }
    %ENV = (); for my $kv (@env) { my $i = index($kv, '='); $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1) if $i > 0; }
    { no warnings; exec { $file } $file, @args; }
    my $e = $! + 0; syswrite(STDERR, "\0pacer-exec-errno:$e\n"); POSIX::_exit(127);
  }
  close $ow; close $ew;
  $kids{$pid} = { id => $id, out => '', err => '', open => 2, fhs => [$or, $er] };
  $byfd{fileno $or} = [$pid, 'out', $or, 0]; $byfd{fileno $er} = [$pid, 'err', $er, 1];
  emit("P\0$id\0$pid"); }
while (1) {
  $chld = 0; reap();
  my $rin = ''; vec($rin, 0, 1) = 1; vec($rin, $_, 1) = 1 for keys %byfd;
  my $n = select(my $rout = $rin, undef, undef, %kids ? 0.25 : undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!"; }
  next if $n == 0;
  for my $fd (keys %byfd) { readfd($fd) if exists $byfd{$fd} && vec($rout, $fd, 1); }
  if (vec($rout, 0, 1)) {
    my $r = sysread(STDIN, $inbuf, 65536, length $inbuf);
    if (defined $r && $r == 0) { POSIX::_exit(0); }
    while (length($inbuf) >= 8) { my $len = hex(substr($inbuf, 0, 8)); last if length($inbuf) < 8 + $len;
      my $msg = substr($inbuf, 8, $len); substr($inbuf, 0, 8 + $len) = '';
      start($msg) if substr($msg, 0, 1) eq 'S'; }
  }
}
`;

const ERRNO_NAMES: Record<number, string> = { 1: "EPERM", 2: "ENOENT", 8: "ENOEXEC", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 20: "ENOTDIR", 21: "EISDIR", 26: "ETXTBSY" };
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, num]) => [num, name as NodeJS.Signals]));
const EXEC_FAILED = /^\0pacer-exec-errno:(\d+)\n/;

interface Job {
  resolve(r: ProcessResult): void;
  pid?: number;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
  killSignal?: NodeJS.Signals;
  started: number;
  limit: number;
}

export class Spawner {
  private proc?: ChildProcess;
  private inbuf: Buffer = Buffer.alloc(0);
  private seq = 0;
  private readonly jobs = new Map<number, Job>();

  constructor(private readonly perl = "/usr/bin/perl") {}

  static available(perl = "/usr/bin/perl"): boolean {
    return existsSync(perl);
  }

  run(file: string, args: string[], options: ProcessOptions): RunningProcess {
    const helper = this.helper();
    const id = ++this.seq;
    let resolve!: (r: ProcessResult) => void;
    const result = new Promise<ProcessResult>((r) => (resolve = r));
    const job: Job = { resolve, timedOut: false, started: performance.now(), limit: options.outputLimit ?? 1 << 20 };
    this.jobs.set(id, job);
    if (this.jobs.size === 1) this.ref(true);
    if (options.timeoutMs > 0) {
      job.timer = setTimeout(() => {
        job.timedOut = true;
        this.kill(job, "SIGKILL");
      }, options.timeoutMs);
    }
    const env = Object.entries(options.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
    const fields = ["S", String(id), options.uid === undefined ? "" : String(options.uid), options.gid === undefined ? "" : String(options.gid), file, String(args.length), ...args, ...env];
    const payload = Buffer.from(fields.join("\0"));
    helper.stdin!.write(Buffer.concat([Buffer.from(payload.length.toString(16).padStart(8, "0")), payload]));
    return { result, kill: (signal: NodeJS.Signals = "SIGKILL") => this.kill(job, signal) };
  }

  /** Stop the helper (running agents are not touched; the executor kills those itself). */
  stop(): void {
    this.proc?.stdin?.end();
    this.proc = undefined;
  }

  private kill(job: Job, signal: NodeJS.Signals): void {
    if (job.pid === undefined) {
      job.killSignal = signal;
      return;
    }
    try {
      process.kill(-job.pid, signal);
    } catch {
      // the group is already gone
    }
  }

  private ref(on: boolean): void {
    const p = this.proc;
    if (!p) return;
    const streams = [p.stdout, p.stdin] as unknown as ({ ref?(): void; unref?(): void } | null)[];
    if (on) {
      p.ref();
      for (const s of streams) s?.ref?.();
    } else {
      p.unref();
      for (const s of streams) s?.unref?.();
    }
  }

  private helper(): ChildProcess {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return this.proc;
    const proc = spawn(this.perl, ["-e", HELPER], { stdio: ["pipe", "pipe", "inherit"] });
    this.proc = proc;
    this.inbuf = Buffer.alloc(0);
    proc.stdout!.on("data", (b: Buffer) => this.onData(b));
    proc.stdin!.on("error", () => {
      // the helper died; "exit" below fails the jobs
    });
    proc.on("error", (err) => this.failAll(`cannot run the agent launcher (${this.perl}): ${err.message}`));
    proc.on("exit", (code, sig) => {
      if (this.proc === proc) this.proc = undefined;
      this.failAll(`the agent launcher exited (${sig ?? code})`);
    });
    if (this.jobs.size === 0) this.ref(false);
    return proc;
  }

  private failAll(reason: string): void {
    for (const [id, job] of this.jobs) {
      this.jobs.delete(id);
      clearTimeout(job.timer);
      const err = Object.assign(new Error(reason), { code: "ELAUNCHER" }) as NodeJS.ErrnoException;
      job.resolve({ exitCode: null, signal: null, timedOut: job.timedOut, spawnError: err, stdout: "", stderr: "", durationMs: performance.now() - job.started });
    }
  }

  private onData(chunk: Buffer): void {
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    while (this.inbuf.length >= 8) {
      const len = parseInt(this.inbuf.toString("latin1", 0, 8), 16);
      if (this.inbuf.length < 8 + len) break;
      const msg = this.inbuf.subarray(8, 8 + len);
      this.inbuf = this.inbuf.subarray(8 + len);
      this.onMessage(msg);
    }
  }

  private onMessage(msg: Buffer): void {
    const kind = String.fromCharCode(msg[0]);
    const fields: string[] = [];
    let at = 0;
    // Header fields are NUL-terminated; for X the raw output follows the 5th one.
    const headerFields = kind === "X" ? 5 : 3;
    for (let i = 0; i < headerFields; i++) {
      const end = msg.indexOf(0, at);
      const stop = end < 0 ? msg.length : end;
      fields.push(msg.toString("latin1", at, stop));
      at = stop + 1;
    }
    const id = Number(fields[1]);
    const job = this.jobs.get(id);
    if (!job) return;
    if (kind === "P") {
      job.pid = Number(fields[2]);
      job.started = performance.now();
      if (job.killSignal) this.kill(job, job.killSignal);
      return;
    }
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.ref(false);
    clearTimeout(job.timer);
    const durationMs = performance.now() - job.started;
    if (kind === "E") {
      const errno = Number(fields[2]);
      const err = Object.assign(new Error(`fork failed: errno ${errno}`), { code: ERRNO_NAMES[errno] ?? `E${errno}`, errno }) as NodeJS.ErrnoException;
      job.resolve({ exitCode: null, signal: null, timedOut: job.timedOut, spawnError: err, stdout: "", stderr: "", durationMs });
      return;
    }
    const status = Number(fields[2]);
    const outLen = Number(fields[3]);
    const errLen = Number(fields[4]);
    const stdout = msg.toString("utf8", at, at + Math.min(outLen, job.limit));
    let stderr = msg.toString("utf8", at + outLen, at + outLen + Math.min(errLen, job.limit));
    // Whatever the agent left in its group dies with it once it timed out.
    if (job.timedOut && job.pid !== undefined) this.kill(job, "SIGKILL");
    const termSig = status & 0x7f;
    const exitCode = termSig === 0 ? (status >> 8) & 0xff : null;
    const m = exitCode === 127 ? EXEC_FAILED.exec(stderr) : null;
    if (m) {
      const errno = Number(m[1]);
      stderr = stderr.slice(m[0].length);
      const err = Object.assign(new Error(`${ERRNO_NAMES[errno] ?? `errno ${errno}`}`), { code: ERRNO_NAMES[errno] ?? `E${errno}`, errno }) as NodeJS.ErrnoException;
      job.resolve({ exitCode: null, signal: null, timedOut: false, spawnError: err, stdout, stderr, durationMs });
      return;
    }
    job.resolve({ exitCode, signal: termSig === 0 ? null : (SIGNAL_NAMES.get(termSig) ?? null), timedOut: job.timedOut, stdout, stderr, durationMs });
  }
}
