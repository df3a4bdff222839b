package pks_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"bosun/pks"
	"bosun/sim"
)

// leaveLock puts a lock on the first master as a bosun killed mid-roll
// leaves it: the directory and a holder file naming host and pid.
func leaveLock(t *testing.T, x *auditFixture, host string, pid int) {
	t.Helper()
	h := x.sess.Hosts[0]
	holder := fmt.Sprintf("user=ops host=%s pid=%d at=%s\n", host, pid, time.Now().UTC().Format(time.RFC3339))
	for _, c := range []struct {
		cmd   string
		stdin []byte
	}{{"sudo mkdir /var/vcap/data/bosun-audit.lock", nil}, {"sudo sh -c 'cat > /var/vcap/data/bosun-audit.lock/holder'", []byte(holder)}} {
		var out bytes.Buffer
		var in io.Reader
		if c.stdin != nil {
			in = bytes.NewReader(c.stdin)
		}
		code, err := x.sess.Run(context.Background(), h, c.cmd, in, &out, &out)
		if err != nil || code != 0 {
			t.Fatalf("%s: %d %v %s", c.cmd, code, err, out.String())
		}
	}
}

// deadPID is the pid of a process of this machine that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// After kill -9 mid-roll, status names the lock's holder; a rerun on the
// same machine takes the stale lock over and completes.
func TestAuditStaleLockIsShownThenTakenOver(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	me, _ := os.Hostname()
	pid := deadPID(t)
	leaveLock(t, x, me, pid)
	st := pks.Status(context.Background(), x.sess, x.sess.Hosts, pks.DefaultLayout, 0)
	if st[0].Lock == nil || st[0].Lock.PID != pid || st[0].Lock.Host != me {
		t.Fatalf("status does not name the lock: %+v", st[0].Lock)
	}
	if _, _, note := st[0].Cells(); !strings.Contains(note, fmt.Sprintf("locked by bosun pid %d", pid)) {
		t.Fatalf("note %q", note)
	}
	var steps []string
	o := x.rollO
	o.Progress = func(s pks.RollStep) { steps = append(steps, s.Step) }
	res, err := pks.Roll(context.Background(), x.sess, x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"}), pks.DefaultLayout, o)
	if err != nil || res[2].Outcome != pks.OutcomeChanged {
		t.Fatalf("rerun: %v %+v", err, res)
	}
	if !strings.Contains(strings.Join(steps, "\n"), "no longer runs: taking it over") {
		t.Fatalf("the takeover was not said: %v", steps)
	}
	if st := pks.Status(context.Background(), x.sess, x.sess.Hosts, pks.DefaultLayout, 0); st[0].Lock != nil {
		t.Fatalf("lock left after the roll: %+v", st[0].Lock)
	}
}

// A lock held by a bosun elsewhere (or one still running) is refused,
// naming who holds it and how to clear it.
func TestAuditLockOfAnotherHostIsRefused(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	leaveLock(t, x, "other-jumphost", 4242)
	_, err := pks.Roll(context.Background(), x.sess, x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"}), pks.DefaultLayout, x.rollO)
	if !errors.Is(err, pks.ErrBusy) || !strings.Contains(err.Error(), "bosun pid 4242 of ops on other-jumphost") || !strings.Contains(err.Error(), "rm -rf") {
		t.Fatalf("err = %v", err)
	}
	for i, id := range x.ids {
		if got := x.file(t, id, simBPM); !bytes.Equal(got, x.orig[i]) {
			t.Fatalf("master %d changed under another's lock", i)
		}
	}
}
