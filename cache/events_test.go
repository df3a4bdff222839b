package cache

import (
	"fmt"
	"testing"
	"time"
)

func testEvent(i int, class string, at time.Time) K8sEvent {
	return K8sEvent{
		Time: at, Received: at, Cluster: "prod-east", Deployment: "service-instance_1", Instance: "worker/1",
		Namespace: "payments", Object: fmt.Sprintf("api-%d", i), VMID: "vm-1", Class: class, Reason: "BackOff",
		Message: "Back-off restarting failed container", Raw: fmt.Sprintf("<14>1 raw %d", i),
	}
}

func TestEventsSaveAndQuery(t *testing.T) {
	s := openTemp(t)
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	var evs []K8sEvent
	for i := 0; i < 10; i++ {
		class := "crash-loop"
		if i%2 == 1 {
			class = "started"
		}
		evs = append(evs, testEvent(i, class, base.Add(time.Duration(i)*time.Minute)))
	}
	evs[9].Cluster, evs[9].Deployment = "payments", "service-instance_2"
	if err := s.SaveEvents(evs); err != nil {
		t.Fatal(err)
	}
	all, err := s.Events(EventQuery{})
	if err != nil || len(all) != 10 {
		t.Fatalf("all events: %d, %v", len(all), err)
	}
	if !all[0].Time.Equal(base) || !all[0].Received.Equal(base) {
		t.Errorf("times %v %v, want %v", all[0].Time, all[0].Received, base)
	}
	if all[0] != (K8sEvent{ID: all[0].ID, Time: all[0].Time, Received: all[0].Received, Cluster: "prod-east", Deployment: "service-instance_1",
		Instance: "worker/1", Namespace: "payments", Object: "api-0", VMID: "vm-1", Class: "crash-loop", Reason: "BackOff",
		Message: "Back-off restarting failed container", Raw: "<14>1 raw 0"}) {
		t.Errorf("stored event differs: %+v", all[0])
	}
	for name, c := range map[string]struct {
		q    EventQuery
		want int
	}{
		"since":       {EventQuery{Since: base.Add(7 * time.Minute)}, 3},
		"class":       {EventQuery{Class: "crash-loop"}, 5},
		"cluster":     {EventQuery{Cluster: "payments"}, 1},
		"deployment":  {EventQuery{Cluster: "service-instance_1"}, 9},
		"after id":    {EventQuery{AfterID: all[7].ID}, 2},
		"limit":       {EventQuery{Limit: 4}, 4},
		"class+since": {EventQuery{Class: "started", Since: base.Add(5 * time.Minute)}, 3},
	} {
		got, err := s.Events(c.q)
		if err != nil || len(got) != c.want {
			t.Errorf("%s: %d events, %v; want %d", name, len(got), err, c.want)
		}
	}
	// Limit keeps the newest, in order.
	last, _ := s.Events(EventQuery{Limit: 2})
	if len(last) != 2 || last[0].Object != "api-8" || last[1].Object != "api-9" {
		t.Errorf("newest two: %+v", last)
	}
}

func TestEventsRetention(t *testing.T) {
	s := openTemp(t)
	now := time.Date(2024, 3, 8, 10, 0, 0, 0, time.UTC)
	var evs []K8sEvent
	for i := 0; i < 20; i++ {
		evs = append(evs, testEvent(i, "other", now.Add(-time.Duration(20-i)*time.Hour)))
	}
	if err := s.SaveEvents(evs); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneEvents(EventRetention{MaxAge: 10 * time.Hour}, now)
	if err != nil || n != 10 {
		t.Fatalf("age pruning removed %d, %v; want 10", n, err)
	}
	n, err = s.PruneEvents(EventRetention{MaxCount: 4}, now)
	if err != nil || n != 6 {
		t.Fatalf("count pruning removed %d, %v; want 6", n, err)
	}
	left, _ := s.Events(EventQuery{})
	if len(left) != 4 || left[0].Object != "api-16" || left[3].Object != "api-19" {
		t.Errorf("kept %+v; want the newest four", left)
	}
	if _, err := s.PruneEvents(EventRetention{MaxCount: -1}, now); err == nil {
		t.Error("a negative retention was accepted")
	}
}

func TestEventWriterBatchesAndPrunes(t *testing.T) {
	s := openTemp(t)
	now := time.Now()
	w := NewEventWriter(s, EventWriterOptions{Retention: EventRetention{MaxCount: 500}, Batch: 100, FlushEvery: time.Hour})
	for i := 0; i < 1234; i++ {
		if !w.Add(testEvent(i, "crash-loop", now)) {
			t.Fatalf("event %d dropped with an empty queue", i)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if st.Written != 1234 || st.Dropped != 0 || st.Failed != 0 || st.Pruned != 734 {
		t.Errorf("stats %+v: want 1234 written, 734 pruned", st)
	}
	left, _ := s.Events(EventQuery{})
	if len(left) != 500 || left[499].Object != "api-1233" {
		t.Errorf("%d events kept", len(left))
	}
}

func TestEventWriterDropsWhenFullAndCountsIt(t *testing.T) {
	s := openTemp(t)
	// Hold the write lock so the writer cannot drain its queue.
	tx, err := s.wdb.Begin()
	if err != nil {
		t.Fatal(err)
	}
	w := NewEventWriter(s, EventWriterOptions{Queue: 5, Batch: 1, FlushEvery: time.Hour})
	accepted, dropped := 0, 0
	for i := 0; i < 50; i++ {
		if w.Add(testEvent(i, "other", time.Now())) {
			accepted++
		} else {
			dropped++
		}
	}
	tx.Rollback()
	w.Close()
	st := w.Stats()
	if dropped == 0 || st.Dropped != int64(dropped) || st.Written+st.Failed != int64(accepted) {
		t.Errorf("accepted %d, dropped %d, stats %+v: every event must be written, failed or dropped, and counted", accepted, dropped, st)
	}
}
