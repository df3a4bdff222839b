package sim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// SinkOptions configures the simulated PKS sink traffic: the Kubernetes
// events (and some container log lines) of every simulated cluster, sent
// as the fluent-bit syslog output sends them.
type SinkOptions struct {
	Addr  string      // the receiver, host:port
	Rate  int         // frames per second in all, default 50
	Conns int         // connections, default one per cluster (as one sink per cluster would)
	Count int         // stop after this many frames in all; 0 runs until Close
	TLS   *tls.Config // nil: plain TCP
	Seed  int64       // traffic seed, default the foundation's
}

// Sink is running sink traffic.
type Sink struct {
	sent, errs atomic.Int64
	stop       chan struct{}
	done       chan struct{}
	once       sync.Once
	wg         sync.WaitGroup
}

const (
	sinkDialTimeout  = 5 * time.Second // the plugin's
	sinkWriteTimeout = time.Second
	sinkTick         = 10 * time.Millisecond
)

// StartSink starts sending sink traffic to o.Addr. Connections that fail
// are dialled again for the next frame, as the plugin does.
func (f *Foundation) StartSink(o SinkOptions) (*Sink, error) {
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return nil, fmt.Errorf("sim: sink address %q: want host:port: %v", o.Addr, err)
	}
	if o.Rate < 0 || o.Conns < 0 || o.Count < 0 {
		return nil, errors.New("sim: sink rate, connections and count must not be negative")
	}
	if o.Rate == 0 {
		o.Rate = 50
	}
	if o.Seed == 0 {
		o.Seed = f.opts.Seed
	}
	traffic := newSinkTraffic(f.content, o.Seed)
	if len(traffic.clusters) == 0 {
		return nil, errors.New("sim: no cluster has worker VMs to send events from")
	}
	if o.Conns == 0 {
		o.Conns = len(traffic.clusters)
	}
	s := &Sink{stop: make(chan struct{}), done: make(chan struct{})}
	var remaining atomic.Int64
	remaining.Store(int64(o.Count))
	for i := 0; i < o.Conns; i++ {
		rate := o.Rate / o.Conns
		if i < o.Rate%o.Conns {
			rate++
		}
		if rate == 0 {
			continue
		}
		// Each connection has its own generator, so none shares state.
		t := newSinkTraffic(f.content, o.Seed+int64(i))
		s.wg.Add(1)
		go s.run(o, t, i%len(t.clusters), rate, &remaining)
	}
	go func() {
		s.wg.Wait()
		close(s.done)
	}()
	return s, nil
}

// run sends one connection's share of frames, rate per second, in ticks.
func (s *Sink) run(o SinkOptions, t *sinkTraffic, cluster, rate int, remaining *atomic.Int64) {
	defer s.wg.Done()
	var c net.Conn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	tick := time.NewTicker(sinkTick)
	defer tick.Stop()
	start := time.Now()
	var due float64
	buf := make([]byte, 0, 64<<10)
	for sent := 0; ; {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			due = float64(rate) * now.Sub(start).Seconds()
		}
		buf = buf[:0]
		n := 0
		for float64(sent+n) < due {
			if o.Count > 0 && remaining.Add(-1) < 0 {
				if s.flush(&c, o, buf) {
					s.sent.Add(int64(n))
				}
				return
			}
			rec := t.next(cluster, time.Now())
			buf = append(buf, rec.frame()...)
			n++
		}
		sent += n
		if n > 0 && !s.flush(&c, o, buf) {
			continue
		}
		s.sent.Add(int64(n))
	}
}

// flush writes buf, dialling first when there is no connection. A failed
// write drops what it carried (counted) and the connection.
func (s *Sink) flush(c *net.Conn, o SinkOptions, buf []byte) bool {
	if len(buf) == 0 {
		return true
	}
	if *c == nil {
		d := net.Dialer{Timeout: sinkDialTimeout}
		var conn net.Conn
		var err error
		if o.TLS != nil {
			conn, err = tls.DialWithDialer(&d, "tcp", o.Addr, o.TLS)
		} else {
			conn, err = d.Dial("tcp", o.Addr)
		}
		if err != nil {
			s.errs.Add(1)
			return false
		}
		*c = conn
	}
	(*c).SetWriteDeadline(time.Now().Add(sinkWriteTimeout))
	if _, err := (*c).Write(buf); err != nil {
		s.errs.Add(1)
		(*c).Close()
		*c = nil
		return false
	}
	return true
}

// Sent is the number of frames written.
func (s *Sink) Sent() int64 { return s.sent.Load() }

// Errors is the number of failed dials and writes.
func (s *Sink) Errors() int64 { return s.errs.Load() }

// Done is closed when every connection has stopped: Count frames sent, or
// Close called.
func (s *Sink) Done() <-chan struct{} { return s.done }

// Close stops the traffic and waits for the connections to close.
func (s *Sink) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

// SinkFrames returns n octet-counted frames of the simulated clusters'
// traffic stamped at, for tests and benchmarks of receivers.
func (f *Foundation) SinkFrames(n int, at time.Time) [][]byte {
	t := newSinkTraffic(f.content, f.opts.Seed)
	out := make([][]byte, n)
	for i := range out {
		rec := t.next(-1, at)
		out[i] = rec.frame()
	}
	return out
}

// SinkClusters maps each simulated cluster's name to its deployment.
func (f *Foundation) SinkClusters() map[string]string {
	out := map[string]string{}
	for k, d := range f.content.clusters {
		out[sinkClusterName(k)] = d.Name
	}
	return out
}
