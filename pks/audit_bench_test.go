package pks_test

import (
	"context"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/pks"
	"bosun/sim"
)

// BenchmarkAuditStatus30Masters reads the audit state of 30 masters (the
// 3 masters of a cluster, 10 times over: 10 clusters x 3 masters) with
// the default parallel bound, over the simulator's SSH.
func BenchmarkAuditStatus30Masters(b *testing.B) {
	x := newAuditFixture(b, sim.Faults{})
	var hosts []bosh.SSHHost
	for range 10 {
		hosts = append(hosts, x.sess.Hosts...)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		for _, m := range pks.Status(ctx, x.sess, hosts, pks.DefaultLayout, 0) {
			if m.Error != "" {
				b.Fatal(m.Error)
			}
		}
	}
}

// BenchmarkAuditEnableDisableOverhead rolls audit on and off again over 3
// masters whose kube-apiserver restarts take 1 ms: what remains is
// bosun's own overhead (plans, backups, writes, probes), per toggle.
func BenchmarkAuditEnableDisableOverhead(b *testing.B) {
	x := newAuditFixture(b, sim.Faults{})
	ctx := context.Background()
	o := pks.RollOptions{HealthTimeout: 5 * time.Second, PollEvery: 5 * time.Millisecond}
	b.ResetTimer()
	for b.Loop() {
		for _, enable := range []bool{true, false} {
			plans, err := pks.Plan(ctx, x.sess, x.sess.Hosts, pks.DefaultLayout, pks.AuditChange{Enable: enable})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pks.Roll(ctx, x.sess, plans, pks.DefaultLayout, o); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(2*b.N), "ms/toggle")
}
