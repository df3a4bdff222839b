package pks_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/internal/sshdtest"
	"bosun/pks"
)

// The edit path against a real OpenSSH sshd: each master is a temporary
// root holding the kube-apiserver job's files, a stand-in monit and the
// health script, reached as root through sudo.

const realBPM = `processes:
- name: kube-apiserver
  executable: /var/vcap/packages/kubernetes/bin/kube-apiserver
  limits:
    open_files: 65535
  args:
  - "--authorization-mode=RBAC"
  - "--secure-port=8443"
  - "--token-auth-file=/var/vcap/jobs/kube-apiserver/config/tokens.csv"
  - "--v=2"
  - --apiserver-count=3
  - --etcd-servers=https://master-0.etcd.cfcr.internal:2379,https://master-1.etcd.cfcr.internal:2379
  hooks:
    pre_start: /var/vcap/jobs/kube-apiserver/bin/generate-config-files
`

// standInMonit restarts the "apiserver" by re-reading bpm.yml: a new pid,
// its command line under proc/, and a state that fails when the policy
// file named is missing or not a Policy, or when the master is marked stuck.
const standInMonit = `#!/bin/sh
ROOT=%s
state=$ROOT/var/vcap/monit-state
pidf=$ROOT/var/vcap/sys/run/bpm/kube-apiserver/kube-apiserver.pid
bpm=$ROOT/var/vcap/jobs/kube-apiserver/config/bpm.yml
case "$1" in
summary)
  echo "The Monit daemon 5.2.5 uptime: 1d 0h 0m"; echo
  printf "%%-45s %%s\n" "Process 'kube-apiserver'" "$(cat $state)"
  printf "%%-45s %%s\n" "System 'system_standin'" running ;;
restart)
  [ "$2" = kube-apiserver ] || { echo "monit: there is no service by that name" >&2; exit 1; }
  pid=$(( $(cat $pidf) + 1 ))
  echo $pid > $pidf
  mkdir -p $ROOT/proc/$pid
  { printf '%%s\0' /var/vcap/packages/kubernetes/bin/kube-apiserver; sed -n 's/^  - "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' $bpm | tr '\n' '\0'; } > $ROOT/proc/$pid/cmdline
  st=running
  pf=$(sed -n 's/^  - "\{0,1\}--audit-policy-file=\([^"]*\)"\{0,1\}$/\1/p' $bpm)
  if [ -n "$pf" ] && ! grep -q '^kind: Policy' "$ROOT$pf" 2>/dev/null; then st="Execution failed"; fi
  if [ -e $ROOT/stuck ] && grep -q -- --audit- $bpm; then st="Execution failed"; fi
  echo "$st" > $state ;;
*) echo "usage" >&2; exit 1 ;;
esac
`

type realMasters struct {
	srv    *sshdtest.Server
	sess   *bosh.SSHSession
	layout pks.MasterLayout
	roots  []string
}

func newRealMasters(t *testing.T, n int) *realMasters {
	t.Helper()
	sshdtest.Require(t, sshdtest.SSHDPath, "sudo")
	srv := sshdtest.Start(t)
	x := &realMasters{srv: srv, layout: pks.MasterLayout{Sudo: "sudo", Roots: map[string]string{}}}
	var hosts []bosh.SSHHost
	for i := range n {
		root := filepath.Join(srv.Dir, fmt.Sprintf("master%d", i))
		h := bosh.SSHHost{Group: "master", IndexOrID: fmt.Sprint(i), IP: srv.IP, Port: srv.Port, HostKey: srv.HostKey}
		x.layout.Roots[h.Instance()] = root
		put := func(p, content string, mode os.FileMode) {
			full := root + p
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), mode); err != nil {
				t.Fatal(err)
			}
		}
		put("/var/vcap/jobs/kube-apiserver/config/bpm.yml", realBPM, 0o640)
		put("/var/vcap/jobs/kube-apiserver/config/audit_policy.yml", "---\napiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n", 0o640)
		put("/var/vcap/bosh/bin/monit", fmt.Sprintf(standInMonit, root), 0o755)
		put("/var/vcap/jobs/kube-apiserver/bin/ensure_apiserver_healthy", "#!/bin/sh\n[ \"$(cat "+root+"/var/vcap/monit-state)\" = running ]\n", 0o755)
		put("/var/vcap/sys/run/bpm/kube-apiserver/kube-apiserver.pid", "4100\n", 0o644)
		put("/var/vcap/monit-state", "running\n", 0o644)
		if err := os.MkdirAll(root+"/var/vcap/data", 0o755); err != nil {
			t.Fatal(err)
		}
		// Start the stand-in once so that /proc holds the running args.
		if out, err := exec.Command(root+"/var/vcap/bosh/bin/monit", "restart", "kube-apiserver").CombinedOutput(); err != nil {
			t.Fatalf("stand-in monit: %v %s", err, out)
		}
		x.roots = append(x.roots, root)
		hosts = append(hosts, h)
	}
	s, err := bosh.NewSSHSessionWithKey(srv.User, srv.Signer, hosts, bosh.SSHOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	x.sess = s
	return x
}

func (x *realMasters) bpm(t *testing.T, i int) []byte {
	t.Helper()
	b, err := os.ReadFile(x.roots[i] + "/var/vcap/jobs/kube-apiserver/config/bpm.yml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fastRoll = pks.RollOptions{HealthTimeout: 10 * time.Second, PollEvery: 20 * time.Millisecond}

func TestRealSSHDEnableThenDisableByteIdentical(t *testing.T) {
	x := newRealMasters(t, 1)
	ctx := context.Background()
	info, _ := os.Stat(x.roots[0] + "/var/vcap/jobs/kube-apiserver/config/bpm.yml")
	plans, err := pks.Plan(ctx, x.sess, x.sess.Hosts, x.layout, pks.AuditChange{Enable: true, Level: "Metadata", KuboVersion: "1.13.4"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pks.Roll(ctx, x.sess, plans, x.layout, fastRoll)
	if err != nil {
		t.Fatalf("enable: %v %+v", err, res)
	}
	for i := range x.roots {
		if !bytes.Equal(x.bpm(t, i), plans[i].BPMAfter) {
			t.Fatalf("master %d does not hold the change", i)
		}
	}
	st := pks.Status(ctx, x.sess, x.sess.Hosts, x.layout, 0)
	for _, m := range st {
		if !m.Enabled || m.PolicyLevel != "Metadata" || m.Drift || m.ProcessState != "running" ||
			m.Flags["audit-log-path"] != "/var/vcap/sys/log/kube-apiserver/audit.log" || m.Error != "" {
			t.Fatalf("status after enable: %+v", m)
		}
	}
	after, _ := os.Stat(x.roots[0] + "/var/vcap/jobs/kube-apiserver/config/bpm.yml")
	if after.Mode() != info.Mode() {
		t.Fatalf("mode %v, was %v", after.Mode(), info.Mode())
	}
	backups, _ := filepath.Glob(x.roots[0] + "/var/vcap/jobs/kube-apiserver/config/bpm.yml.bosun-backup-*")
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	plans, err = pks.Plan(ctx, x.sess, x.sess.Hosts, x.layout, pks.AuditChange{Enable: false})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pks.Roll(ctx, x.sess, plans, x.layout, fastRoll); err != nil {
		t.Fatalf("disable: %v", err)
	}
	for i := range x.roots {
		if got := x.bpm(t, i); string(got) != realBPM {
			t.Fatalf("master %d bpm.yml after enable+disable:\n%s", i, pks.Diff("bpm.yml", []byte(realBPM), got))
		}
		if _, err := os.Stat(x.roots[i] + "/var/vcap/jobs/kube-apiserver/config/bosun-audit-policy.yml"); err == nil {
			t.Fatalf("master %d: bosun's policy left behind", i)
		}
		if _, err := os.Stat(x.roots[i] + "/var/vcap/data/bosun-audit.lock"); err == nil {
			t.Fatalf("master %d: lock left behind", i)
		}
	}
}

func TestRealSSHDUnhealthyMasterRolledBack(t *testing.T) {
	x := newRealMasters(t, 3)
	if err := os.WriteFile(x.roots[1]+"/stuck", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plans, err := pks.Plan(ctx, x.sess, x.sess.Hosts, x.layout, pks.AuditChange{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	o := fastRoll
	// A real sshd answers a probe in about 0.1 s on a quiet machine; the
	// margin is for a loaded CI machine, where a dial can take seconds.
	o.HealthTimeout = 6 * time.Second
	res, err := pks.Roll(ctx, x.sess, plans, x.layout, o)
	if !errors.Is(err, pks.ErrRollFailed) || res[0].Outcome != pks.OutcomeChanged || res[1].Outcome != pks.OutcomeRolledBack || res[2].Outcome != pks.OutcomeNotReached {
		t.Fatalf("err %v results %+v", err, res)
	}
	if string(x.bpm(t, 1)) != realBPM || string(x.bpm(t, 2)) != realBPM {
		t.Fatal("the failed and the unreached masters do not hold their original bpm.yml")
	}
	if st, _ := os.ReadFile(x.roots[1] + "/var/vcap/monit-state"); strings.TrimSpace(string(st)) != "running" {
		t.Fatalf("master 1 after rollback: %s", st)
	}
}

// cutRunner cuts the stdin of commands after limit bytes and closes the
// connection, as a network drop mid-upload does.
type cutRunner struct {
	s     *bosh.SSHSession
	limit int
}

func (c cutRunner) Run(ctx context.Context, h bosh.SSHHost, cmd string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if stdin == nil {
		return c.s.Run(ctx, h, cmd, nil, stdout, stderr)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return c.s.Run(cctx, h, cmd, &cutReader{r: stdin, left: c.limit, cut: cancel}, stdout, stderr)
}

type cutReader struct {
	r    io.Reader
	left int
	cut  func()
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.cut()
		select {} // the connection is gone; the session's copy never returns data again
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= n
	return n, err
}

func TestRealSSHDDropMidWriteLeavesOldFile(t *testing.T) {
	x := newRealMasters(t, 1)
	ctx := context.Background()
	plans, err := pks.Plan(ctx, x.sess, x.sess.Hosts, x.layout, pks.AuditChange{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pks.Roll(ctx, cutRunner{s: x.sess, limit: 300}, plans, x.layout, fastRoll)
	if err == nil {
		t.Fatal("roll succeeded over a cut connection")
	}
	if got := x.bpm(t, 0); string(got) != realBPM && !bytes.Equal(got, plans[0].BPMAfter) {
		t.Fatalf("bpm.yml is neither old nor new:\n%s", got)
	}
}

func TestRealSSHDSecondToggleRefused(t *testing.T) {
	x := newRealMasters(t, 1)
	ctx := context.Background()
	if err := os.Mkdir(x.roots[0]+"/var/vcap/data/bosun-audit.lock", 0o755); err != nil {
		t.Fatal(err)
	}
	plans, err := pks.Plan(ctx, x.sess, x.sess.Hosts, x.layout, pks.AuditChange{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pks.Roll(ctx, x.sess, plans, x.layout, fastRoll); !errors.Is(err, pks.ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	if string(x.bpm(t, 0)) != realBPM {
		t.Fatal("a refused toggle changed bpm.yml")
	}
}
