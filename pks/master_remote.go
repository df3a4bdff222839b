package pks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"bosun/bosh"
)

// Runner runs a command on a VM; *bosh.SSHSession is one.
type Runner interface {
	Run(ctx context.Context, h bosh.SSHHost, cmd string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
}

// MasterLayout is where the kube-apiserver job keeps its files on a master
// (pks.md §2.1) and how bosun becomes root there. Root prefixes every path
// (a test's temporary root); Sudo is the command that runs as root.
type MasterLayout struct {
	Root  string
	Roots map[string]string // per instance ("group/id"), overriding Root (tests)
	Sudo  string
}

// DefaultLayout is a real master's.
var DefaultLayout = MasterLayout{Sudo: "sudo"}

const (
	configDir        = "/var/vcap/jobs/kube-apiserver/config"
	bpmPath          = configDir + "/bpm.yml"
	renderedPolicy   = configDir + "/audit_policy.yml"
	bosunPolicy      = configDir + "/bosun-audit-policy.yml"
	monitPath        = "/var/vcap/bosh/bin/monit"
	healthScript     = "/var/vcap/jobs/kube-apiserver/bin/ensure_apiserver_healthy"
	pidPath          = "/var/vcap/sys/run/bpm/kube-apiserver/kube-apiserver.pid"
	lockPath         = "/var/vcap/data/bosun-audit.lock"
	auditLogOld      = "/var/vcap/sys/log/kube-apiserver/audit.log"
	auditLogNew      = "/var/vcap/sys/log/kube-apiserver/audit/log/audit.log"
	bosunTempSuffix  = ".bosun-new"
	bosunBackupInfix = ".bosun-backup-"
)

// safePath: the only characters bosun puts in a remote command unquoted.
var safePath = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)

func (l MasterLayout) rootFor(h bosh.SSHHost) string {
	if r, ok := l.Roots[h.Instance()]; ok {
		return r
	}
	return l.Root
}

// path is a master's file p under its root.
func (m master) path(p string) string { return m.layout.rootFor(m.h) + p }

func (l MasterLayout) sudo(cmd string) string {
	if l.Sudo == "" {
		return cmd
	}
	return l.Sudo + " " + cmd
}

// master is one master reached through a Runner.
type master struct {
	r      Runner
	h      bosh.SSHHost
	layout MasterLayout
}

// errNotFound is a remote file that does not exist.
var errNotFound = errors.New("no such file")

// run runs cmd and returns stdout, or an error with the remote's stderr.
func (m master) run(ctx context.Context, cmd string, stdin io.Reader) (string, int, error) {
	var out, errOut bytes.Buffer
	code, err := m.r.Run(ctx, m.h, cmd, stdin, &out, &errOut)
	if err != nil {
		return out.String(), code, fmt.Errorf("%s: %w", m.h.Instance(), err)
	}
	if code != 0 {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = fmt.Sprintf("exit %d", code)
		}
		return out.String(), code, fmt.Errorf("%s: %s", m.h.Instance(), oneLineMsg(msg))
	}
	return out.String(), 0, nil
}

func oneLineMsg(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// read fetches a file as root; errNotFound when it does not exist.
func (m master) read(ctx context.Context, p string) ([]byte, error) {
	p = m.path(p)
	if !safePath.MatchString(p) {
		return nil, fmt.Errorf("unsafe remote path %q", p)
	}
	var out, errOut bytes.Buffer
	code, err := m.r.Run(ctx, m.h, m.layout.sudo("cat "+p), nil, &out, &errOut)
	if err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", m.h.Instance(), p, err)
	}
	if code != 0 {
		if strings.Contains(errOut.String(), "No such file") {
			return nil, errNotFound
		}
		return nil, fmt.Errorf("%s: read %s: %s", m.h.Instance(), p, oneLineMsg(errOut.String()))
	}
	if out.Len() == 0 {
		return []byte{}, nil // an empty file, not an absent one (nil)
	}
	return out.Bytes(), nil
}

// write replaces a file atomically as root, in one command: the content
// goes to a file beside the target (a copy of it first, so that mode and
// owner stay), its checksum is checked against what was sent, and only
// then is it renamed over the target. A cut connection or a short upload
// leaves the target as it was.
func (m master) write(ctx context.Context, p string, data []byte) error {
	target := m.path(p)
	tmp := target + bosunTempSuffix
	if !safePath.MatchString(target) {
		return fmt.Errorf("unsafe remote path %q", target)
	}
	sum := sha256.Sum256(data)
	script := "cp -p " + target + " " + tmp + " 2>/dev/null || true; cat > " + tmp +
		" && echo \"" + hex.EncodeToString(sum[:]) + "  " + tmp + "\" | sha256sum -c --status && mv -f " + tmp + " " + target
	if _, _, err := m.run(ctx, m.layout.sudo("sh -c '"+script+"'"), bytes.NewReader(data)); err != nil {
		m.run(context.WithoutCancel(ctx), m.layout.sudo("rm -f "+tmp), nil)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// backup copies a file beside itself, keeping mode and owner.
func (m master) backup(ctx context.Context, p, stamp string) (string, error) {
	src := m.path(p)
	dst := src + bosunBackupInfix + stamp
	if !safePath.MatchString(dst) {
		return "", fmt.Errorf("unsafe remote path %q", dst)
	}
	if _, _, err := m.run(ctx, m.layout.sudo("cp -p "+src+" "+dst), nil); err != nil {
		return "", fmt.Errorf("back up %s: %w", p, err)
	}
	return p + bosunBackupInfix + stamp, nil
}

func (m master) remove(ctx context.Context, p string) error {
	_, _, err := m.run(ctx, m.layout.sudo("rm -f "+m.path(p)), nil)
	return err
}

// probe is one look at the kube-apiserver: its pid file, monit's word
// for it ("running", "initializing", "Execution failed", ...) and whether
// the job's own /healthz check passes.
type probe struct {
	pid     string
	state   string
	healthy bool
}

func (m master) probe(ctx context.Context) (probe, error) {
	script := "cat " + m.path(pidPath) + "; " + m.path(monitPath) + " summary && " + m.path(healthScript)
	var out, errOut bytes.Buffer
	code, err := m.r.Run(ctx, m.h, m.layout.sudo("sh -c '"+script+"'"), nil, &out, &errOut)
	if err != nil {
		return probe{}, fmt.Errorf("%s: %w", m.h.Instance(), err)
	}
	var p probe
	lines := strings.Split(out.String(), "\n")
	if len(lines) > 0 {
		if _, err := strconv.Atoi(strings.TrimSpace(lines[0])); err == nil {
			p.pid = strings.TrimSpace(lines[0])
		}
	}
	for _, line := range lines {
		if rest, ok := strings.CutPrefix(line, "Process 'kube-apiserver'"); ok {
			p.state = strings.TrimSpace(rest)
		}
	}
	if p.state == "" {
		msg := oneLineMsg(errOut.String())
		if msg == "" {
			msg = "monit summary lists no kube-apiserver"
		}
		return p, fmt.Errorf("%s: %s", m.h.Instance(), msg)
	}
	p.healthy = code == 0 && p.state == "running"
	return p, nil
}

func (m master) restart(ctx context.Context) error {
	_, _, err := m.run(ctx, m.layout.sudo(m.path(monitPath)+" restart kube-apiserver"), nil)
	return err
}

// runningArgs are the args of the running kube-apiserver, from its pid
// file and /proc/PID/cmdline.
func (m master) runningArgs(ctx context.Context) ([]string, error) {
	b, err := m.read(ctx, pidPath)
	if err != nil {
		return nil, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return nil, fmt.Errorf("%s: pid file holds %q", m.h.Instance(), strings.TrimSpace(string(b)))
	}
	cmdline, err := m.read(ctx, "/proc/"+strconv.Itoa(pid)+"/cmdline")
	if err != nil {
		return nil, err
	}
	parts := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s: empty command line", m.h.Instance())
	}
	return parts[1:], nil
}

// ErrBusy is returned when another toggle holds the cluster's lock.
var ErrBusy = errors.New("another audit change is in progress on this cluster")

// lock takes the cluster's toggle lock: a directory made atomically on
// the first master.
// lock takes the roll's lock and writes who holds it. A lock left by a
// bosun of this machine that no longer runs (killed) is taken over, and
// note says so; any other is refused naming its holder.
func (m master) lock(ctx context.Context, holder LockHolder, note func(string)) error {
	p := m.path(lockPath)
	for attempt := 0; ; attempt++ {
		_, code, err := m.run(ctx, m.layout.sudo("mkdir "+p), nil)
		if err == nil {
			if err := m.write(ctx, lockHolderFile, []byte(holder.line())); err != nil {
				m.unlock(context.WithoutCancel(ctx))
				return fmt.Errorf("take lock: %w", err)
			}
			return nil
		}
		if code != 1 {
			return fmt.Errorf("take lock: %w", err)
		}
		h, rerr := m.readLock(ctx)
		if rerr == nil && h != nil && h.stale() && attempt == 0 {
			note(fmt.Sprintf("the lock was left by %s, which no longer runs: taking it over", h))
			if err := m.unlock(ctx); err != nil {
				return fmt.Errorf("clear a stale lock: %w", err)
			}
			continue
		}
		who := "an unknown holder"
		if h != nil {
			who = h.String()
		}
		return fmt.Errorf("%w (lock %s on %s held by %s; if no bosun is running, clear it: sudo rm -rf %s)",
			ErrBusy, lockPath, m.h.Instance(), who, lockPath)
	}
}

func (m master) unlock(ctx context.Context) error {
	_, _, err := m.run(ctx, m.layout.sudo("rm -rf "+m.path(lockPath)), nil)
	return err
}
