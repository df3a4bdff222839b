package pks

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a ReceiverConfig.
const (
	DefaultSinkAddr          = "127.0.0.1:5514"
	DefaultMaxFrame          = 64 << 10 // bytes
	DefaultQueue             = 16384    // events waiting for the consumer
	DefaultMaxConns          = 1024
	DefaultMaxConnsPerSource = 64
	DefaultIdleTimeout       = 5 * time.Minute
	handshakeTimeout         = 10 * time.Second
	keptErrors               = 32
)

// ReceiverConfig says where and how the sink receiver listens.
type ReceiverConfig struct {
	Addr     string      // host:port, default DefaultSinkAddr
	TLS      *tls.Config // nil: plain TCP
	MaxFrame int         // longest frame accepted; longer ones are skipped
	Queue    int         // capacity of the event queue; when full, events are dropped and counted
	// MaxConns is the number of connections served at once (default
	// DefaultMaxConns). A new connection past it is still served: the
	// connection that has gone longest without a complete frame is
	// closed to make room, recorded as a Rejection (ConnEvicted) and
	// counted in Stats.Evicted. Connections are ordered by their last
	// complete frame (or their accept, before any); bytes that do not
	// complete a frame do not count, so a trickle does not protect one.
	MaxConns int
	// MaxConnsPerSource is the number of connections served at once from
	// one source IP address (default DefaultMaxConnsPerSource). A new
	// connection past it is reset at once (TCP RST, not a clean close,
	// so its sender does not take its writes as delivered), recorded as
	// a Rejection (ConnSourceLimit) and counted in Stats.Refused and
	// Stats.SourceRefused.
	MaxConnsPerSource int
	// IdleTimeout closes a connection that has sent no complete frame
	// for this long (since it was accepted, or since its last frame);
	// bytes that do not complete a frame do not keep it open.
	IdleTimeout time.Duration
	VMs         *VMIndex // maps senders to BOSH deployments; may be nil
	Now         func() time.Time

	connStart func(peer string) // tests: called once a connection is being served
	connDone  func(peer string) // tests: called when a connection's goroutine ends
}

func (c ReceiverConfig) withDefaults() ReceiverConfig {
	if c.Addr == "" {
		c.Addr = DefaultSinkAddr
	}
	if c.MaxFrame <= 0 {
		c.MaxFrame = DefaultMaxFrame
	}
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConnsPerSource <= 0 {
		c.MaxConnsPerSource = DefaultMaxConnsPerSource
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Stats are the receiver's counters since it started. Every frame read is
// counted exactly once as an event, a pod log line, another sender's
// message or a rejected frame; events are either queued or dropped.
type Stats struct {
	Connections   int64 `json:"connections"`    // accepted in all
	Open          int64 `json:"open"`           // open now
	Refused       int64 `json:"refused"`        // not served: over MaxConnsPerSource, or a failed TLS handshake
	SourceRefused int64 `json:"source_refused"` // of Refused, reset for being over MaxConnsPerSource
	Evicted       int64 `json:"evicted"`        // closed at MaxConns to make room: the longest without a frame
	Frames        int64 `json:"frames"`         // frames read, good or bad
	Events        int64 `json:"events"`         // Kubernetes events parsed
	Queued        int64 `json:"queued"`         // events handed to the consumer
	Dropped       int64 `json:"dropped"`        // events lost because the queue was full
	PodLogs       int64 `json:"pod_logs"`       // container log lines (not events)
	OtherApps     int64 `json:"other_apps"`     // RFC 5424 messages of other senders
	Rejected      int64 `json:"rejected"`       // frames that could not be read
	Recounted     int64 `json:"recounted"`      // frames with a wrong octet count, recovered
	NonUTF8       int64 `json:"non_utf8"`       // events whose message was repaired
	Oversized     int64 `json:"oversized"`      // rejected because too long
	Truncated     int64 `json:"truncated"`      // rejected because the sender hung up inside them
	BytesRead     int64 `json:"bytes"`          // frame bytes read
	IdleTimeouts  int64 `json:"idle_timeouts"`  // closed for IdleTimeout without a complete frame
}

// Rejection is a frame the receiver could not use, or a connection it
// refused or closed to make room, kept for the operator.
type Rejection struct {
	At   time.Time
	Peer string
	Err  *FrameError
}

// Receiver is a running sink receiver: a TCP (or TLS) listener serving
// many connections, each parsed and classified on its own goroutine, and
// one bounded queue of events for the consumer.
type Receiver struct {
	cfg    ReceiverConfig
	ln     net.Listener
	events chan Event

	connections, open, refused, frames, evs, queued, dropped   atomic.Int64
	podLogs, otherApps, rejected, recounted, nonUTF8, oversize atomic.Int64
	truncated, bytesRead, idle, sourceRefused, evicted         atomic.Int64

	start time.Time     // origin of sinkConn.lastFrame: a monotonic clock
	seq   atomic.Uint64 // orders accepts and complete frames across connections

	mu       sync.Mutex
	conns    map[*sinkConn]struct{}
	bySource map[netip.Addr]int // connections served per source address
	errs     []Rejection        // ring of the last keptErrors
	errAt    int
	closed   bool
	wg       sync.WaitGroup
	once     sync.Once
}

// Listen starts a receiver. Events arrive on Events until Close.
func Listen(cfg ReceiverConfig) (*Receiver, error) {
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("sink: listen on %s: %w", cfg.Addr, err)
	}
	r := &Receiver{cfg: cfg, ln: ln, events: make(chan Event, cfg.Queue), start: time.Now(),
		conns: map[*sinkConn]struct{}{}, bySource: map[netip.Addr]int{}}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Addr is the address the receiver listens on.
func (r *Receiver) Addr() net.Addr { return r.ln.Addr() }

// Events is the queue of classified events. It is closed after Close,
// once every connection has stopped.
func (r *Receiver) Events() <-chan Event { return r.events }

// Close stops accepting, closes every connection, waits for their
// goroutines and closes the event queue. Events still queued stay
// readable.
func (r *Receiver) Close() error {
	var err error
	r.once.Do(func() {
		err = r.ln.Close()
		r.mu.Lock()
		r.closed = true
		for sc := range r.conns {
			sc.c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
		close(r.events)
	})
	return err
}

// Stats returns the counters.
func (r *Receiver) Stats() Stats {
	return Stats{
		Connections: r.connections.Load(), Open: r.open.Load(), Refused: r.refused.Load(),
		SourceRefused: r.sourceRefused.Load(), Evicted: r.evicted.Load(),
		Frames: r.frames.Load(), Events: r.evs.Load(), Queued: r.queued.Load(), Dropped: r.dropped.Load(),
		PodLogs: r.podLogs.Load(), OtherApps: r.otherApps.Load(), Rejected: r.rejected.Load(),
		Recounted: r.recounted.Load(), NonUTF8: r.nonUTF8.Load(), Oversized: r.oversize.Load(),
		Truncated: r.truncated.Load(), BytesRead: r.bytesRead.Load(), IdleTimeouts: r.idle.Load(),
	}
}

// Rejections returns the last rejected frames, oldest first.
func (r *Receiver) Rejections() []Rejection {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Rejection, 0, len(r.errs))
	if len(r.errs) == keptErrors {
		out = append(out, r.errs[r.errAt:]...)
		return append(out, r.errs[:r.errAt]...)
	}
	return append(out, r.errs...)
}

// sinkConn is one connection being served.
type sinkConn struct {
	c      net.Conn
	peer   string
	source netip.Addr
	// lastFrame is when the connection last completed a frame (or was
	// accepted), as time since Receiver.start; lastSeq orders the same
	// moments across connections, so the stalest one is always known.
	lastFrame atomic.Int64
	lastSeq   atomic.Uint64
	evicted   atomic.Bool
	gone      bool // removed from Receiver.conns; under Receiver.mu
}

// framed notes a complete frame (or the accept): the idle timeout starts
// again, and the connection is the freshest.
func (r *Receiver) framed(sc *sinkConn) {
	sc.lastFrame.Store(int64(time.Since(r.start)))
	sc.lastSeq.Store(r.seq.Add(1))
}

// sourceOf is the sender's IP address (IPv4 in IPv6 as IPv4).
func sourceOf(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return ap.Addr().Unmap()
}

func (r *Receiver) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // listener closed
		}
		sc := &sinkConn{c: c, peer: c.RemoteAddr().String(), source: sourceOf(c)}
		r.framed(sc)
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.Close()
			continue
		}
		if r.bySource[sc.source] >= r.cfg.MaxConnsPerSource {
			r.mu.Unlock()
			r.refuseSource(sc)
			continue
		}
		var stalest *sinkConn
		if len(r.conns) >= r.cfg.MaxConns {
			for o := range r.conns {
				if stalest == nil || o.lastSeq.Load() < stalest.lastSeq.Load() {
					stalest = o
				}
			}
			stalest.evicted.Store(true)
			r.removeLocked(stalest)
		}
		r.conns[sc] = struct{}{}
		r.bySource[sc.source]++
		r.open.Add(1)
		r.wg.Add(1)
		r.mu.Unlock()
		if stalest != nil {
			r.evict(stalest)
		}
		r.connections.Add(1)
		if r.cfg.connStart != nil {
			r.cfg.connStart(sc.peer)
		}
		go r.serve(sc)
	}
}

// refuseSource resets a connection over MaxConnsPerSource: an RST, so
// that the sender sees a failure rather than a clean end.
func (r *Receiver) refuseSource(sc *sinkConn) {
	if tc, ok := sc.c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	sc.c.Close()
	r.refused.Add(1)
	r.sourceRefused.Add(1)
	r.keep(Rejection{At: r.cfg.Now(), Peer: sc.peer, Err: &FrameError{Kind: ConnSourceLimit,
		Detail: fmt.Sprintf("%d connections from %s already served (the limit); reset", r.cfg.MaxConnsPerSource, sc.source)}})
}

// evict closes the connection that went longest without a complete
// frame, to make room at MaxConns.
func (r *Receiver) evict(sc *sinkConn) {
	idle := time.Since(r.start) - time.Duration(sc.lastFrame.Load())
	sc.c.Close()
	r.evicted.Add(1)
	r.keep(Rejection{At: r.cfg.Now(), Peer: sc.peer, Err: &FrameError{Kind: ConnEvicted,
		Detail: fmt.Sprintf("closed to make room at %d connections: no complete frame for %s, the longest", r.cfg.MaxConns, idle.Round(time.Millisecond))}})
}

// removeLocked takes a connection out of the served set, once.
func (r *Receiver) removeLocked(sc *sinkConn) {
	if sc.gone {
		return
	}
	sc.gone = true
	delete(r.conns, sc)
	if r.bySource[sc.source]--; r.bySource[sc.source] <= 0 {
		delete(r.bySource, sc.source)
	}
	r.open.Add(-1)
}

// serve reads one connection until it ends. Nothing one sender does
// (silence, garbage, hanging up mid-frame) touches the others.
func (r *Receiver) serve(sc *sinkConn) {
	c, peer := sc.c, sc.peer
	defer func() {
		c.Close()
		r.mu.Lock()
		r.removeLocked(sc)
		r.mu.Unlock()
		if r.cfg.connDone != nil {
			r.cfg.connDone(peer)
		}
		r.wg.Done()
	}()
	var src net.Conn = c
	if r.cfg.TLS != nil {
		tc := tls.Server(c, r.cfg.TLS)
		c.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.Handshake(); err != nil {
			if sc.evicted.Load() {
				return
			}
			r.refused.Add(1)
			r.keep(Rejection{At: r.cfg.Now(), Peer: peer, Err: &FrameError{Kind: FrameNotSyslog, Detail: "TLS handshake: " + err.Error()}})
			return
		}
		c.SetDeadline(time.Time{})
		src = tc
	}
	f := newFramer(&idleReader{c: src, r: r, sc: sc}, r.cfg.MaxFrame)
	p := newParser()
	for {
		frame, ferr, err := f.next()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !sc.evicted.Load() {
				r.idle.Add(1)
			}
			return
		}
		if ferr != nil && ferr.Kind == FrameTruncated && sc.evicted.Load() {
			return // the cut is the eviction's, already recorded
		}
		r.framed(sc)
		r.frames.Add(1)
		if ferr != nil && frame == nil {
			r.reject(peer, ferr)
			continue
		}
		r.bytesRead.Add(int64(len(frame)))
		if ferr != nil {
			r.recounted.Add(1)
		}
		r.handle(p, frame, peer)
	}
}

// handle parses, classifies, maps and queues one frame.
func (r *Receiver) handle(p *parser, frame []byte, peer string) {
	var ev Event
	kind, ferr := p.parse(frame, &ev)
	switch {
	case kind == kindPodLog:
		r.podLogs.Add(1)
		return
	case ferr != nil:
		r.reject(peer, ferr)
		return
	case kind == kindOther:
		r.otherApps.Add(1)
		return
	}
	r.evs.Add(1)
	if ev.NonUTF8 {
		r.nonUTF8.Add(1)
	}
	finish(&ev, frame, r.cfg.Now())
	ev.Peer = peer
	r.cfg.VMs.mapEvent(&ev, peer)
	select {
	case r.events <- ev:
		r.queued.Add(1)
	default:
		r.dropped.Add(1)
	}
}

func (r *Receiver) reject(peer string, e *FrameError) {
	r.rejected.Add(1)
	switch e.Kind {
	case FrameOversized:
		r.oversize.Add(1)
	case FrameTruncated:
		r.truncated.Add(1)
	}
	r.keep(Rejection{At: r.cfg.Now(), Peer: peer, Err: e})
}

// keep remembers a rejection in the ring of the last keptErrors.
func (r *Receiver) keep(rej Rejection) {
	r.mu.Lock()
	if len(r.errs) < keptErrors {
		r.errs = append(r.errs, rej)
	} else {
		r.errs[r.errAt] = rej
		r.errAt = (r.errAt + 1) % keptErrors
	}
	r.mu.Unlock()
}

// idleReader closes a connection that completes no frame for
// IdleTimeout: a sender that connects and says nothing, or trickles a byte
// now and then, holds one goroutine, and not forever.
type idleReader struct {
	c  net.Conn
	r  *Receiver
	sc *sinkConn
}

func (i *idleReader) Read(b []byte) (int, error) {
	last := time.Duration(i.sc.lastFrame.Load())
	i.c.SetReadDeadline(i.r.start.Add(last + i.r.cfg.IdleTimeout))
	return i.c.Read(b)
}

var _ io.Reader = (*idleReader)(nil)
