package pks

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(BillingTimeLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWatermarkCountsOverlaps(t *testing.T) {
	pods := []Pod{
		{FirstSeen: at("2026-11-01 10:00:00"), LastSeen: at("2026-11-01 12:00:00")},
		{FirstSeen: at("2026-11-01 11:00:00"), LastSeen: at("2026-11-01 13:00:00")},
		{FirstSeen: at("2026-11-01 11:30:00"), LastSeen: at("2026-11-01 11:45:00")},
		{FirstSeen: at("2026-11-01 12:00:01"), LastSeen: at("2026-11-01 14:00:00")}, // starts after the first ended
		{FirstSeen: at("2026-10-01 00:00:00"), LastSeen: at("2026-10-02 00:00:00")}, // before the window
	}
	since, until := at("2026-11-01 00:00:00"), at("2026-11-02 00:00:00")
	n, when := Watermark(pods, since, until)
	if n != 3 || !when.Equal(at("2026-11-01 11:30:00")) {
		t.Errorf("watermark %d at %v, want 3 at 11:30", n, when)
	}
	// A pod that ends when another starts (same second) overlaps it: both
	// were seen at that moment.
	touch := []Pod{{FirstSeen: at("2026-11-01 10:00:00"), LastSeen: at("2026-11-01 11:00:00")},
		{FirstSeen: at("2026-11-01 11:00:00"), LastSeen: at("2026-11-01 12:00:00")}}
	if n, _ := Watermark(touch, since, until); n != 2 {
		t.Errorf("pods meeting at one second: watermark %d, want 2", n)
	}
	if n, _ := Watermark(nil, since, until); n != 0 {
		t.Errorf("no pods: %d", n)
	}
	r := BuildUsage(append(pods[:4:4], Pod{Deployment: "service-instance_b", Namespace: "x", FirstSeen: since, LastSeen: until}),
		map[string]string{"": "a"}, since, until)
	if r.Watermark != 4 || len(r.Clusters) != 2 || r.Clusters[0].Cluster != "a" || r.Clusters[1].Cluster != "service-instance_b" {
		t.Errorf("report %+v", r)
	}
	if h := r.Clusters[1].PodHours; h < 23.9 || h > 24.1 {
		t.Errorf("pod-hours of a pod alive all day: %v", h)
	}
	if len(r.Clusters[0].Daily) != 1 || r.Clusters[0].Daily[0].Pods != 3 {
		t.Errorf("daily %+v", r.Clusters[0].Daily)
	}
}

func TestParseBillingPods(t *testing.T) {
	out := "12a345b6-7890-13c4-de5f-67890a123b4c\t2019-01-07 13:57:03\t2019-01-08 11:34:33\tmy-namespace\tmy-pod\tservice-instance_a12b\n\n"
	pods, err := ParseBillingPods(out)
	if err != nil || len(pods) != 1 || pods[0].Namespace != "my-namespace" || pods[0].Deployment != "service-instance_a12b" ||
		!pods[0].LastSeen.Equal(at("2019-01-08 11:34:33")) {
		t.Fatalf("%+v %v", pods, err)
	}
	if _, err := ParseBillingPods("a\tb\n"); err == nil || !strings.Contains(err.Error(), "2 columns") {
		t.Errorf("short row: %v", err)
	}
	if _, err := ParseBillingPods("1\tyesterday\t2019-01-08 11:34:33\tns\tp\td\n"); err == nil || !strings.Contains(err.Error(), "bad time") {
		t.Errorf("bad time: %v", err)
	}
	if _, err := ParseBillingPods("ERROR 1049 (42000): Unknown database 'billing'\n"); !errors.Is(err, ErrNoBillingDB) {
		t.Errorf("no billing DB: %v", err)
	}
	if q := BillingQuery(at("2026-11-01 00:00:00")); !strings.HasSuffix(q, "WHERE last_seen >= '2026-11-01 00:00:00'") {
		t.Errorf("query %s", q)
	}
}

func TestTelemetryUsage(t *testing.T) {
	wm := "2026-11-02 01:16:22\tservice-instance_a\t3\t5\n2026-11-03 01:16:22\tservice-instance_a\t4\t4\n2026-11-02 01:16:22\tservice-instance_b\t2\t5\n"
	data := "2026-11-01 10:00:00\tservice-instance_a\tweb-1\t100\t1048576\n2026-11-01 11:00:00\tservice-instance_a\tweb-1\t50\t1048576\n" +
		"2026-11-01 11:00:00\tservice-instance_a\tweb-2\t10\t2097152\n"
	r, err := BuildTelemetryUsage(wm, data, map[string]string{"service-instance_a": "prod"}, at("2026-11-01 00:00:00"), at("2026-11-04 00:00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Schema != "telemetry" || r.Watermark != 5 || !r.WatermarkAt.Equal(at("2026-11-01 00:00:00")) || len(r.Clusters) != 2 {
		t.Fatalf("report %+v", r)
	}
	a := r.Clusters[0]
	if a.Cluster != "prod" || a.Pods != 2 || a.PodHours != 3 || a.CPUUsed == nil || *a.CPUUsed != 160 || a.MemoryUsed == nil || *a.MemoryUsed != 4<<20 ||
		a.Watermark != 4 || len(a.Daily) != 2 || a.Daily[0].Day != "2026-11-01" {
		t.Errorf("prod: %+v", a)
	}
	if _, err := BuildTelemetryUsage("x\t1\n", "", nil, at("2026-11-01 00:00:00"), at("2026-11-02 00:00:00")); err == nil {
		t.Error("short row accepted")
	}
	if _, err := BuildTelemetryUsage("2026-11-02 01:16:22\ta\tmany\t5\n", "", nil, at("2026-11-01 00:00:00"), at("2026-11-02 00:00:00")); err == nil {
		t.Error("bad count accepted")
	}
	if _, err := BuildTelemetryUsage("ERROR 1049 (42000): Unknown database 'telemetry'", "", nil, at("2026-11-01 00:00:00"), at("2026-11-02 00:00:00")); !errors.Is(err, ErrNoTelemetryDB) {
		t.Errorf("no telemetry DB: %v", err)
	}
}
