package pks

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Connection limits: per source address, the stalest connection closed
// at MaxConns, and the idle timeout counted from the last complete frame.
// Senders come from many loopback addresses (all of 127/8 is loopback on
// Linux).

func needLoopbackRange(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs all of 127.0.0.0/8 on loopback (Linux)")
	}
}

// dialFrom connects to addr from the loopback address src.
func dialFrom(t testing.TB, src string, addr net.Addr) net.Conn {
	t.Helper()
	c, err := dialFromErr(src, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dialFromErr(src string, addr net.Addr) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTimeout}
	return d.Dial("tcp", addr.String())
}

// frameOf is a whole event frame about object obj.
func frameOf(obj string) string {
	return octetFrame(eventMsg("ns", obj, "", "Started container"))
}

// expectEvent receives the next event and checks its object.
func (r *testReceiver) expectEvent(t testing.TB, obj string) {
	t.Helper()
	if ev := r.next(t); ev.Object != obj {
		t.Fatalf("event of %q, want %q", ev.Object, obj)
	}
}

// readEnd reads from a connection the receiver closed; the error it ends
// with (io.EOF for a clean close).
func readEnd(t testing.TB, c net.Conn) error {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection %s still open: read %v", c.LocalAddr(), err)
	}
	return err
}

func TestReceiverResetsConnectionsOverTheSourceLimit(t *testing.T) {
	needLoopbackRange(t)
	r := startReceiver(t, ReceiverConfig{MaxConnsPerSource: 3})
	var mine []net.Conn
	for range 3 {
		c := dialFrom(t, "127.0.0.7", r.Addr())
		r.connStarted(t, c.LocalAddr().String())
		mine = append(mine, c)
	}
	// The fourth is reset as soon as it is accepted: its sender sees
	// ECONNRESET on its first read, or already on connect when the reset
	// comes first.
	overPeer := ""
	over, err := dialFromErr("127.0.0.7", r.Addr())
	if err == nil {
		overPeer = over.LocalAddr().String()
		err = readEnd(t, over)
		over.Close()
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("fourth connection from one address: %v, want a reset", err)
	}
	other := dialFrom(t, "127.0.0.8", r.Addr())
	send(t, other, frameOf("other-source"))
	r.expectEvent(t, "other-source")
	for i, c := range mine {
		send(t, c, frameOf("mine-"+itoa(i)))
		r.expectEvent(t, "mine-"+itoa(i))
	}
	st := r.Stats()
	if st.SourceRefused != 1 || st.Refused != 1 || st.Connections != 4 || st.Open != 4 || st.Evicted != 0 {
		t.Errorf("stats %+v: want one of five refused for its source", st)
	}
	rej := r.Rejections()
	if len(rej) != 1 || rej[0].Err.Kind != ConnSourceLimit || overPeer != "" && rej[0].Peer != overPeer ||
		!strings.HasPrefix(rej[0].Peer, "127.0.0.7:") {
		t.Errorf("rejections %+v: want the reset connection recorded", rej)
	}

	// A connection that ends frees its source's slot.
	mine[1].Close()
	r.connEnded(t, mine[1].LocalAddr().String())
	again := dialFrom(t, "127.0.0.7", r.Addr())
	send(t, again, frameOf("again"))
	r.expectEvent(t, "again")
	if st := r.Stats(); st.SourceRefused != 1 || st.Open != 4 {
		t.Errorf("stats %+v after a slot was freed", st)
	}
}

func TestReceiverClosesTheStalestAtMaxConns(t *testing.T) {
	r := startReceiver(t, ReceiverConfig{MaxConns: 3})
	a, b, c := dial(t, r.Addr()), dial(t, r.Addr()), dial(t, r.Addr())
	for _, x := range []net.Conn{a, b, c} {
		r.connStarted(t, x.LocalAddr().String())
	}
	// a completes a frame; b trickles bytes of one it never finishes;
	// c says nothing. b, accepted before c, is the stalest.
	send(t, a, frameOf("a-1"))
	r.expectEvent(t, "a-1")
	send(t, b, frameOf("b-never")[:12])

	d := dial(t, r.Addr())
	r.connEnded(t, b.LocalAddr().String())
	if err := readEnd(t, b); err == nil {
		t.Error("the stalest connection was not closed")
	}
	e := dial(t, r.Addr())
	r.connEnded(t, c.LocalAddr().String()) // then c, never a, which sent a frame
	for _, x := range []struct {
		c   net.Conn
		obj string
	}{{a, "a-2"}, {d, "d-1"}, {e, "e-1"}} {
		send(t, x.c, frameOf(x.obj))
		r.expectEvent(t, x.obj)
	}
	st := r.Stats()
	if st.Evicted != 2 || st.Open != 3 || st.Connections != 5 || st.Refused != 0 || st.Rejected != 0 || st.IdleTimeouts != 0 {
		t.Errorf("stats %+v: want 2 of 5 connections closed to make room, nothing else", st)
	}
	rej := r.Rejections()
	if len(rej) != 2 || rej[0].Err.Kind != ConnEvicted || rej[0].Peer != b.LocalAddr().String() ||
		rej[1].Err.Kind != ConnEvicted || rej[1].Peer != c.LocalAddr().String() {
		t.Errorf("rejections %+v: want b's and c's evictions recorded in order", rej)
	}
}

// A trickling sender, a byte every 50 ms and never a whole frame, is
// closed once IdleTimeout has passed since it was accepted; a sender of a
// frame every 100 ms outlives several timeouts.
func TestReceiverIdleCountsFromTheLastCompleteFrame(t *testing.T) {
	const idle = 400 * time.Millisecond
	r := startReceiver(t, ReceiverConfig{IdleTimeout: idle})
	trickler, talker := dial(t, r.Addr()), dial(t, r.Addr())
	r.connStarted(t, trickler.LocalAddr().String())
	r.connStarted(t, talker.LocalAddr().String())
	start := time.Now()
	partial := frameOf("never-whole")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitTimeout)
	var tricklerEnded time.Duration
	sent := 0
	for tricklerEnded == 0 || time.Since(start) < 3*idle {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("after %v: trickler ended at %v; stats %+v", waitTimeout, tricklerEnded, r.Stats())
		}
		if tricklerEnded == 0 {
			if _, err := trickler.Write([]byte{partial[sent%len(partial)]}); err != nil {
				t.Logf("trickler write: %v", err) // the receiver has just closed it
			}
		}
		if sent%2 == 0 {
			obj := "talk-" + itoa(sent)
			send(t, talker, frameOf(obj))
			r.expectEvent(t, obj)
		}
		sent++
		for drained := false; !drained; {
			select {
			case p := <-r.done:
				switch p {
				case trickler.LocalAddr().String():
					tricklerEnded = time.Since(start)
				case talker.LocalAddr().String():
					t.Fatalf("the talker, a frame every 100 ms, was closed after %v", time.Since(start))
				}
			default:
				drained = true
			}
		}
	}
	if tricklerEnded < idle {
		t.Errorf("trickler closed after %v, before the %v idle timeout", tricklerEnded, idle)
	}
	if err := readEnd(t, trickler); err == nil {
		t.Error("trickler still open")
	}
	if st := r.Stats(); st.IdleTimeouts != 1 || st.Truncated != 1 || st.Open != 1 {
		t.Errorf("stats %+v: want the trickler closed for idleness (its partial frame truncated), the talker open", st)
	}
	t.Logf("trickler closed after %v (idle timeout %v); talker served for %v", tricklerEnded, idle, time.Since(start))
}

// raiseNoFile lifts the soft limit on open files to at least n, or skips.
func raiseNoFile(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("open file limit: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	old := lim
	lim.Cur = min(n, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < n {
		t.Skipf("needs %d open files; limit %d/%d (%v)", n, old.Cur, old.Max, err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// 2,000 connections from 40 addresses, half silent and half stuck inside
// a frame, against the default limits: a fresh sender still gets in and
// its frame is received, and the connections closed for it are the
// stalest ones, in order.
func TestReceiverServesAFreshSenderThroughAFlood(t *testing.T) {
	needLoopbackRange(t)
	const sources, flood = 40, 2000 // 50 per source, under DefaultMaxConnsPerSource
	raiseNoFile(t, 2*flood+256)
	r := startReceiver(t, ReceiverConfig{})
	held := make([]net.Conn, flood)
	for i := range held {
		held[i] = dialFrom(t, fmt.Sprintf("127.0.0.%d", 10+i%sources), r.Addr())
		if i%2 == 1 {
			send(t, held[i], frameOf("stuck")[:10])
		}
	}
	// Every one of them is served, or was, before the fresh sender comes.
	startedPeers := map[string]bool{}
	for timeout := time.After(waitTimeout); len(startedPeers) < flood; {
		select {
		case p := <-r.started:
			startedPeers[p] = true
		case <-timeout:
			t.Fatalf("%d of %d connections served; stats %+v", len(startedPeers), flood, r.Stats())
		}
	}

	begin := time.Now()
	fresh := dialFrom(t, "127.0.0.2", r.Addr())
	send(t, fresh, frameOf("fresh"))
	r.expectEvent(t, "fresh")
	latency := time.Since(begin)

	evicted := flood + 1 - DefaultMaxConns
	ended := map[string]bool{}
	for timeout := time.After(waitTimeout); len(ended) < evicted; {
		select {
		case p := <-r.done:
			ended[p] = true
		case <-timeout:
			t.Fatalf("%d connections ended, want %d; stats %+v", len(ended), evicted, r.Stats())
		}
	}
	for i, c := range held {
		if stalest := i < evicted; ended[c.LocalAddr().String()] != stalest {
			t.Fatalf("connection %d of %d (from %s): closed %v, want %v", i, flood, c.LocalAddr(), !stalest, stalest)
		}
	}
	if ended[fresh.LocalAddr().String()] {
		t.Error("the fresh sender was closed")
	}
	st := r.Stats()
	if st.Connections != flood+1 || st.Open != DefaultMaxConns || st.Evicted != int64(evicted) || st.Refused != 0 || st.Rejected != 0 {
		t.Errorf("stats %+v: want %d served, %d open, %d closed to make room", st, flood+1, DefaultMaxConns, evicted)
	}
	readEnd(t, held[0]) // the sender of a closed one sees the end
	t.Logf("%d connections from %d addresses held (%d open at the receiver); fresh sender's frame received %v after it dialled",
		flood, sources, st.Open, latency)
}
