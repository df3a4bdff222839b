package bosh_test

import (
	"context"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// BenchmarkScanOverhead measures a cloud-check scan from the call to the
// problems in hand against a director whose tasks take no time
// (TaskTime 1ns): everything measured is bosun's and the wire's overhead
// (lock check, POST and redirect, task polls, event output, problem list).
func BenchmarkScanOverhead(b *testing.B) {
	f := startSim(b, sim.Options{Drift: true, TaskTime: time.Nanosecond})
	c := simClient(f, bosh.Options{})
	dep := ""
	for _, d := range f.DriftedDeployments() {
		if len(d) > 7 && d[:7] == "harbor-" {
			dep = d
		}
	}
	ctx := context.Background()
	if _, err := c.ScanProblems(ctx, dep, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		probs, err := c.ScanProblems(ctx, dep, func(bosh.TaskEvent) {})
		if err != nil || len(probs) != 1 {
			b.Fatal(probs, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scan")
}
