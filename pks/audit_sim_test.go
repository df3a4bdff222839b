package pks_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/pks"
	"bosun/sim"
)

const simBPM = "/var/vcap/jobs/kube-apiserver/config/bpm.yml"

// auditFixture is a simulated foundation, an SSH session on the masters
// of a 3-master cluster whose audit logging is off, and fast rolls.
type auditFixture struct {
	f     *sim.Foundation
	c     *bosh.Client
	dep   string
	sess  *bosh.SSHSession
	ids   []string // master uuids, in host order
	orig  [][]byte // bpm.yml of each master at the start
	rollO pks.RollOptions
}

func newAuditFixture(t testing.TB, faults sim.Faults) *auditFixture {
	t.Helper()
	f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", Seed: 1, TaskTime: 20 * time.Millisecond,
		APIServerStart: apiserverStart(t), Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	c := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()},
		bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	j, err := f.Jumpbox() // the director names no gateway: through the jumpbox
	if err != nil {
		t.Fatal(err)
	}
	via := bosh.SSHOptions{GatewayHost: j.Addr, GatewayUser: j.User, GatewayPrivateKey: j.PrivateKeyPEM, GatewayHostKey: j.HostKey}
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if !strings.HasPrefix(d.Name, "service-instance_") {
			continue
		}
		s, err := c.SetUpSSH(ctx, bosh.SSHTarget{Deployment: d.Name, Group: "master"}, via)
		if err != nil {
			t.Fatal(err)
		}
		st := pks.Status(ctx, s, s.Hosts, pks.DefaultLayout, 0)
		if len(s.Hosts) != 3 || st[0].Enabled {
			s.Close()
			continue
		}
		t.Cleanup(func() { s.Close() })
		x := &auditFixture{f: f, c: c, dep: d.Name, sess: s,
			rollO: pks.RollOptions{HealthTimeout: 2 * time.Second, PollEvery: 10 * time.Millisecond}}
		for _, h := range s.Hosts {
			x.ids = append(x.ids, h.IndexOrID)
			x.orig = append(x.orig, x.file(t, h.IndexOrID, simBPM))
		}
		return x
	}
	t.Fatal("no 3-master cluster with audit off")
	return nil
}

func (x *auditFixture) file(t testing.TB, id, path string) []byte {
	t.Helper()
	b, err := x.f.VMFile(x.dep, id, path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (x *auditFixture) plan(t testing.TB, c pks.AuditChange) []pks.MasterPlan {
	t.Helper()
	plans, err := pks.Plan(context.Background(), x.sess, x.sess.Hosts, pks.DefaultLayout, c)
	if err != nil {
		t.Fatal(err)
	}
	return plans
}

func TestAuditEnableThenDisableRestoresBPM(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	ctx := context.Background()
	var steps []string
	o := x.rollO
	o.Progress = func(s pks.RollStep) { steps = append(steps, s.Instance+" "+s.Step) }
	var recorded []pks.MasterResult
	o.Record = func(r pks.MasterResult) { recorded = append(recorded, r) }
	res, err := pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: true, Level: "Request", KuboVersion: "1.18.2"}), pks.DefaultLayout, o)
	if err != nil {
		t.Fatalf("enable: %v (%+v)", err, res)
	}
	for _, r := range res {
		if r.Outcome != pks.OutcomeChanged || r.Backup == "" {
			t.Fatalf("enable result %+v", r)
		}
	}
	if len(recorded) != 3 || !strings.Contains(strings.Join(steps, "\n"), "waiting for health") {
		t.Fatalf("recorded %d results, steps %v", len(recorded), steps)
	}
	st := pks.Status(ctx, x.sess, x.sess.Hosts, pks.DefaultLayout, 0)
	for _, m := range st {
		if !m.Enabled || m.PolicyLevel != "Request" || m.Drift || m.ProcessState != "running" || m.Error != "" ||
			m.Flags["audit-log-path"] != "/var/vcap/sys/log/kube-apiserver/audit/log/audit.log" || m.Flags["audit-log-maxbackup"] != "10" {
			t.Fatalf("status after enable: %+v", m)
		}
	}
	for i, id := range x.ids {
		if st, _ := x.f.APIServerState(x.dep, id); st != "running" {
			t.Fatalf("master %d: apiserver %s", i, st)
		}
	}
	// Enabling again changes nothing.
	res, err = pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: true, Level: "Request", KuboVersion: "1.18.2"}), pks.DefaultLayout, x.rollO)
	if err != nil || res[0].Outcome != pks.OutcomeUnchanged {
		t.Fatalf("second enable: %v %+v", err, res)
	}
	res, err = pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: false}), pks.DefaultLayout, x.rollO)
	if err != nil {
		t.Fatalf("disable: %v (%+v)", err, res)
	}
	for i, id := range x.ids {
		if got := x.file(t, id, simBPM); !bytes.Equal(got, x.orig[i]) {
			t.Fatalf("master %d bpm.yml after enable+disable differs:\n%s", i, pks.Diff("bpm.yml", x.orig[i], got))
		}
		if _, err := x.f.VMFile(x.dep, id, "/var/vcap/jobs/kube-apiserver/config/bosun-audit-policy.yml"); err == nil {
			t.Fatalf("master %d: bosun's policy left behind after disable", i)
		}
		names, _ := x.f.VMFiles(x.dep, id, "/var/vcap/data")
		for _, n := range names {
			if strings.Contains(n, "lock") {
				t.Fatalf("master %d: lock left behind: %v", i, names)
			}
		}
	}
	for _, m := range pks.Status(ctx, x.sess, x.sess.Hosts, pks.DefaultLayout, 0) {
		if m.Enabled || m.Drift {
			t.Fatalf("status after disable: %+v", m)
		}
	}
}

func TestAuditUnhealthyMasterRolledBackOthersUntouched(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	x.f.SetFaults(sim.Faults{StuckAPIServer: x.ids[1]})
	ctx := context.Background()
	o := x.rollO
	o.HealthTimeout = 300 * time.Millisecond
	plans := x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"})
	res, err := pks.Roll(ctx, x.sess, plans, pks.DefaultLayout, o)
	if !errors.Is(err, pks.ErrRollFailed) {
		t.Fatalf("err = %v, want the roll reported failed", err)
	}
	want := []string{pks.OutcomeChanged, pks.OutcomeRolledBack, pks.OutcomeNotReached}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Fatalf("master %d outcome %q, want %q (%+v)", i, r.Outcome, want[i], res)
		}
	}
	if got := x.file(t, x.ids[0], simBPM); !bytes.Equal(got, plans[0].BPMAfter) {
		t.Fatal("master 0 does not hold the change")
	}
	for i := 1; i < 3; i++ {
		if got := x.file(t, x.ids[i], simBPM); !bytes.Equal(got, x.orig[i]) {
			t.Fatalf("master %d bpm.yml is not its original", i)
		}
		if st, _ := x.f.APIServerState(x.dep, x.ids[i]); st != "running" {
			t.Fatalf("master %d apiserver %s after rollback", i, st)
		}
	}
}

func TestAuditSSHDropMidWriteLeavesWholeFile(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	plans := x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"})
	x.f.SetFaults(sim.Faults{SSHDropAfter: 700}) // the policy (~900 bytes) and bpm.yml (~1.9 kB) are longer
	_, err := pks.Roll(context.Background(), x.sess, plans, pks.DefaultLayout, x.rollO)
	if err == nil {
		t.Fatal("roll succeeded over a dropping connection")
	}
	x.f.SetFaults(sim.Faults{})
	for i, id := range x.ids {
		got := x.file(t, id, simBPM)
		if !bytes.Equal(got, x.orig[i]) && !bytes.Equal(got, plans[i].BPMAfter) {
			t.Fatalf("master %d bpm.yml is neither old nor new:\n%s", i, got)
		}
	}
}

func TestAuditSecondToggleRefused(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	ctx := context.Background()
	reached := make(chan struct{})
	release := make(chan struct{})
	o := x.rollO
	o.Progress = func(s pks.RollStep) {
		if s.Step == "writing" && s.Instance == x.sess.Hosts[0].Instance() {
			close(reached)
			<-release
		}
	}
	first := make(chan error, 1)
	go func() {
		_, err := pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: true}), pks.DefaultLayout, o)
		first <- err
	}()
	<-reached
	_, err := pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: false}), pks.DefaultLayout, x.rollO)
	close(release)
	if !errors.Is(err, pks.ErrBusy) {
		t.Fatalf("second toggle: %v, want ErrBusy", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first toggle: %v", err)
	}
}

func TestAuditStatusDriftAndRenderedPolicy(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	ctx := context.Background()
	plans := x.plan(t, pks.AuditChange{Enable: true, Level: "Metadata"})
	if d := pks.Diff("bpm.yml", plans[0].BPMBefore, plans[0].BPMAfter); !strings.Contains(d, "+  - \"--audit-log-path=") {
		t.Fatalf("diff:\n%s", d)
	}
	// Edit bpm.yml by hand without a restart: the file and the process differ.
	h := x.sess.Hosts[2]
	code, err := x.sess.Run(ctx, h, "sudo sh -c 'cat > "+simBPM+"'", bytes.NewReader(plans[2].BPMAfter), nil, nil)
	if err != nil || code != 0 {
		t.Fatalf("hand edit: %d %v", code, err)
	}
	st := pks.Status(ctx, x.sess, x.sess.Hosts, pks.DefaultLayout, 0)
	if st[0].Drift || !st[2].Drift || !strings.Contains(strings.Join(st[2].DriftFlags, ";"), "--audit-log-path: in bpm.yml, not running") {
		t.Fatalf("drift: %+v / %+v", st[0], st[2])
	}
	if !st[2].Enabled || st[2].PolicyError == "" {
		t.Fatalf("a policy file that was never written must be reported: %+v", st[2])
	}
}

func TestAuditRejectsBadPolicyBeforeUpload(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	_, err := pks.Plan(context.Background(), x.sess, x.sess.Hosts, pks.DefaultLayout,
		pks.AuditChange{Enable: true, Policy: []byte("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n")})
	if err == nil || !strings.Contains(err.Error(), "removed in Kubernetes 1.24") {
		t.Fatalf("err = %v", err)
	}
}

// apiserverStart is how long a simulated kube-apiserver takes to start:
// short in tests, 1 ms in benchmarks that measure bosun's own overhead.
func apiserverStart(t testing.TB) time.Duration {
	if _, ok := t.(*testing.B); ok {
		return time.Millisecond
	}
	return 30 * time.Millisecond
}

// Revert detection needs evidence. An `audit disable` killed (kill -9)
// after writing master 0's bpm.yml, while it waited for health, left no
// record: master 0 differs from bosun's last record, but nothing says a
// deploy undid bosun's change. A bpm.yml bosun did not write, or a deploy
// task after the record, is evidence.
func TestAuditStatusRevertNeedsEvidence(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	ctx := context.Background()
	rc := pks.RecordCheck{Last: map[string]pks.LastRecord{}}
	o := x.rollO
	o.Record = func(r pks.MasterResult) {
		rc.Last[r.Instance] = pks.LastRecord{At: r.At, Outcome: r.Outcome, FlagsAfter: r.FlagsAfter, Backup: r.Backup}
	}
	if res, err := pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"}), pks.DefaultLayout, o); err != nil || len(rc.Last) != 3 {
		t.Fatalf("enable: %v %+v", err, res)
	}
	enabledAt := rc.Last[x.sess.Hosts[0].Instance()].At

	// The killed disable: master 0's files written, no record.
	if res, err := pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: false})[:1], pks.DefaultLayout, x.rollO); err != nil {
		t.Fatalf("disable of master 0: %v %+v", err, res)
	}
	// Someone edits master 1's bpm.yml by hand: audit off, and --v=4.
	foreign := bytes.Replace(x.orig[1], []byte(`"--v=2"`), []byte(`"--v=4"`), 1)
	edit := pks.MasterPlan{Host: x.sess.Hosts[1], BPMBefore: x.file(t, x.ids[1], simBPM), BPMAfter: foreign,
		FlagsBefore: map[string]string{}, FlagsAfter: map[string]string{}}
	if res, err := pks.Roll(ctx, x.sess, []pks.MasterPlan{edit}, pks.DefaultLayout, x.rollO); err != nil || bytes.Equal(foreign, x.orig[1]) {
		t.Fatalf("edit of master 1: %v %+v", err, res)
	}

	type want struct {
		differs, reverted bool
		note              string
	}
	check := func(when string, rc pks.RecordCheck, wants ...want) {
		t.Helper()
		for i, m := range pks.StatusAgainst(ctx, x.sess, x.sess.Hosts, pks.DefaultLayout, 0, rc) {
			w := wants[i]
			if m.Error != "" || m.DiffersFromRecord != w.differs || m.Reverted != w.reverted || !strings.Contains(m.RecordNote, w.note) || (w.note == "") != (m.RecordNote == "") {
				t.Errorf("%s: master %d: differs %v reverted %v note %q; want %+v", when, i, m.DiffersFromRecord, m.Reverted, m.RecordNote, w)
			}
			if _, _, note := m.Cells(); !strings.Contains(note, w.note) {
				t.Errorf("%s: master %d: table note %q lacks %q", when, i, note, w.note)
			}
		}
	}
	unknown := want{true, false, pks.RecordNoteUnknown}
	byHand := want{true, true, "not by bosun"}
	asRecorded := want{}
	check("no deploy known", rc, unknown, byHand, asRecorded)
	before := rc
	before.LastDeploy, before.LastDeployTask = enabledAt.Add(-time.Minute), 41
	check("the last deploy before bosun's change", before, unknown, byHand, asRecorded)
	after := rc
	after.LastDeploy, after.LastDeployTask = time.Now(), 42
	byDeploy := want{true, true, "reverted: deploy task 42 ended at"}
	check("a deploy after bosun's change", after, byDeploy, byDeploy, asRecorded)

	// A deploy re-renders every master's bpm.yml as it was: without the
	// deploy task, a file bosun could have written is no evidence.
	if err := x.f.RenderJobs(x.dep); err != nil {
		t.Fatal(err)
	}
	check("re-rendered, no deploy known", rc, unknown, unknown, unknown)
	check("re-rendered by a deploy after bosun's change", after, byDeploy, byDeploy, byDeploy)
	if m := pks.Status(ctx, x.sess, x.sess.Hosts, pks.DefaultLayout, 0)[0]; m.DiffersFromRecord || m.Reverted || m.RecordNote != "" {
		t.Errorf("Status, without records, compares: %+v", m)
	}
}
