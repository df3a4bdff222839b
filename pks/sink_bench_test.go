package pks

import (
	"bytes"
	"flag"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"bosun/sim"
)

// simFrames are n frames of the simulated clusters' sink traffic (events
// of every class and some pod log lines), with the index of their VMs.
func simFrames(tb testing.TB, n int) ([][]byte, *VMIndex) {
	tb.Helper()
	f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	return f.SinkFrames(n, time.Now()), nil
}

// BenchmarkParseClassify measures one connection's whole path on one
// core: framing, RFC 5424 parsing, classification and mapping.
func BenchmarkParseClassify(b *testing.B) {
	frames, _ := simFrames(b, 4096)
	stream := bytes.Join(frames, nil)
	vms := NewVMIndex([]VM{{Deployment: "service-instance_x", Instance: "worker/1", CID: "vm-x", IPs: []string{"10.0.16.10"}}})
	p := newParser()
	now := time.Now()
	b.SetBytes(int64(len(stream) / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for n < b.N {
		fr := newFramer(bytes.NewReader(stream), DefaultMaxFrame)
		for n < b.N {
			frame, _, err := fr.next()
			if err != nil {
				break
			}
			var ev Event
			if kind, ferr := p.parse(frame, &ev); ferr == nil && kind == kindEvent {
				finish(&ev, frame, now)
				vms.mapEvent(&ev, "10.0.16.10:40000")
			}
			n++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

var soakFor = flag.Duration("sink.soak", 0, "run the paced sink soak (50,000 frames/s from 20 connections) for this long instead of the short count-based one")

// soak sends frames from conns connections, paced at rate frames/s in all
// when rate > 0, for the duration or (rate 0) as fast as they go, count
// frames per connection. It returns the receiver's stats and the heap in
// use sampled after each fifth of the run.
func soak(t testing.TB, conns, rate, perConn int, dur time.Duration) (Stats, int, []uint64) {
	frames, _ := simFrames(t, 2048)
	r := startReceiver(t, ReceiverConfig{})
	var consumed int
	drained := make(chan struct{})
	go func() {
		for range r.Events() {
			consumed++
		}
		close(drained)
	}()
	var heap []uint64
	var mu sync.Mutex
	sample := func() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		heap = append(heap, ms.HeapInuse)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", r.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			defer c.Close()
			var buf []byte
			k := i * 97
			if rate == 0 {
				for n := 0; n < perConn; n++ {
					buf = append(buf, frames[k%len(frames)]...)
					k++
					if len(buf) > 32<<10 || n == perConn-1 {
						if _, err := c.Write(buf); err != nil {
							t.Error(err)
							return
						}
						buf = buf[:0]
					}
				}
				return
			}
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			sent := 0
			for now := range tick.C {
				if now.Sub(start) > dur {
					return
				}
				due := int(float64(rate) / float64(conns) * now.Sub(start).Seconds())
				buf = buf[:0]
				for ; sent < due; sent++ {
					buf = append(buf, frames[k%len(frames)]...)
					k++
				}
				if _, err := c.Write(buf); err != nil {
					t.Error(err)
					return
				}
			}
		}(i, c)
	}
	if rate > 0 {
		for s := 1; s <= 5; s++ {
			time.Sleep(dur / 5) // sampling interval of the paced soak, not synchronisation
			sample()
		}
	}
	wg.Wait()
	for i := 0; i < conns; i++ {
		<-r.done
	}
	sample()
	r.Close()
	<-drained
	return r.Stats(), consumed, heap
}

// TestSinkSoak is the bounded soak: 20 connections, a fixed count of
// frames each, nothing dropped, every frame accounted for, the heap flat
// between the two halves. -sink.soak=60s runs the paced 50,000 frames/s
// version instead.
func TestSinkSoak(t *testing.T) {
	const conns = 20
	if *soakFor > 0 {
		st, consumed, heap := soak(t, conns, 50000, 0, *soakFor)
		t.Logf("paced soak %v: %+v; heap in use per fifth %v", *soakFor, st, heap)
		if st.Dropped != 0 || int64(consumed) != st.Queued || st.Rejected != 0 {
			t.Errorf("dropped %d, consumed %d of %d queued, rejected %d", st.Dropped, consumed, st.Queued, st.Rejected)
		}
		if want := int64(float64(50000) * soakFor.Seconds() * 0.95); st.Frames < want {
			t.Errorf("%d frames in %v, want at least %d", st.Frames, *soakFor, want)
		}
		checkFlat(t, heap[1:])
		return
	}
	const perConn = 1500
	st1, consumed1, heap1 := soak(t, conns, 0, perConn, 0)
	st2, consumed2, heap2 := soak(t, conns, 0, perConn, 0)
	for _, x := range []struct {
		st       Stats
		consumed int
	}{{st1, consumed1}, {st2, consumed2}} {
		st := x.st
		if st.Frames != conns*perConn || st.Dropped != 0 || st.Rejected != 0 {
			t.Errorf("stats %+v: want %d frames, none dropped or rejected", st, conns*perConn)
		}
		if st.Events+st.PodLogs != st.Frames || int64(x.consumed) != st.Events {
			t.Errorf("stats %+v, consumed %d: every frame must be an event or a pod log, every event consumed", st, x.consumed)
		}
	}
	checkFlat(t, []uint64{heap1[len(heap1)-1], heap2[len(heap2)-1]})
}

// checkFlat fails when the heap in use grew by more than 8 MiB across
// the samples.
func checkFlat(t testing.TB, heap []uint64) {
	t.Helper()
	lo, hi := heap[0], heap[0]
	for _, h := range heap {
		lo, hi = min(lo, h), max(hi, h)
	}
	if hi-lo > 8<<20 {
		t.Errorf("heap in use moved from %d to %d bytes: not flat", lo, hi)
	}
}

// BenchmarkSinkSoak60s is the soak: 50,000 frames/s from 20
// connections for 60 s (run it with -bench SinkSoak -benchtime 1x).
func BenchmarkSinkSoak60s(b *testing.B) {
	for i := 0; i < b.N; i++ {
		st, consumed, heap := soak(b, 20, 50000, 0, 60*time.Second)
		if st.Dropped != 0 || int64(consumed) != st.Queued {
			b.Errorf("dropped %d, consumed %d of %d", st.Dropped, consumed, st.Queued)
		}
		checkFlat(b, heap[1:])
		b.ReportMetric(float64(st.Frames)/60, "frames/s")
		b.ReportMetric(float64(st.Dropped), "dropped")
		b.ReportMetric(float64(heap[len(heap)-1])/(1<<20), "heap-MiB")
	}
}
