package cli

import (
	"context"
	"io"
	"sync"
	"time"

	"bosun/cache"
	"bosun/pks"
	"bosun/sim"
)

// demoEventsRate is the sink traffic of `bosun --demo`, frames per second.
const demoEventsRate = 25

// demoEventsKept bounds the demo's events in memory.
const demoEventsKept = 50000

// demoEvents runs, for `bosun --demo`, a sink receiver fed by the
// simulated clusters' traffic. Its events stay in memory so the demo never
// mixes them with the real events in the cache.
type demoEvents struct {
	r    *pks.Receiver
	stop func() error
	done chan struct{}

	mu     sync.Mutex
	evs    []cache.K8sEvent
	nextID int64
}

// startDemoEvents starts the receiver and the simulated sinks; nil when
// there is no simulated foundation.
func startDemoEvents(ctx context.Context, s *session) *demoEvents {
	if s.demo == nil {
		return nil
	}
	vms := pks.NewVMIndex(clusterVMs(ctx, s, nil, io.Discard))
	vms.AddClusters(s.demo.SinkClusters())
	r, err := pks.Listen(pks.ReceiverConfig{Addr: "127.0.0.1:0", VMs: vms})
	if err != nil {
		return nil
	}
	sink, err := s.demo.StartSink(sim.SinkOptions{Addr: r.Addr().String(), Rate: demoEventsRate})
	if err != nil {
		r.Close()
		return nil
	}
	d := &demoEvents{r: r, stop: sink.Close, done: make(chan struct{})}
	go d.collect()
	return d
}

func (d *demoEvents) collect() {
	defer close(d.done)
	for ev := range d.r.Events() {
		e := toStored(&ev)
		d.mu.Lock()
		d.nextID++
		e.ID = d.nextID
		if len(d.evs) >= demoEventsKept {
			d.evs = append(d.evs[:0], d.evs[len(d.evs)/2:]...)
		}
		d.evs = append(d.evs, e)
		d.mu.Unlock()
	}
}

// Events serves the TUI's events screen (tui.EventSource).
func (d *demoEvents) Events(q cache.EventQuery) ([]cache.K8sEvent, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []cache.K8sEvent
	for _, e := range d.evs {
		if e.ID > q.AfterID && (q.Since.IsZero() || !e.Received.Before(q.Since)) &&
			(q.Class == "" || e.Class == q.Class) && (q.Cluster == "" || e.Cluster == q.Cluster || e.Deployment == q.Cluster) {
			out = append(out, e)
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// close stops the sinks and the receiver.
func (d *demoEvents) close() {
	if d == nil {
		return
	}
	d.stop()
	d.r.Close()
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
	}
}
