package pks

import (
	"crypto/tls"
	"io"
	"strings"
	"testing"
)

func TestReceiverReferenceFrames(t *testing.T) {
	r := startReceiver(t, ReceiverConfig{})
	c := dial(t, r.Addr())
	send(t, c, strings.Join(referenceFrames, ""))
	want := []Class{ClassImagePull, ClassCrashLoop, ClassStarted}
	for i, w := range want {
		ev := r.next(t)
		if ev.Class != w || ev.Cluster != "my-cluster" || ev.Peer == "" {
			t.Errorf("event %d: %+v, want class %s", i, ev, w)
		}
	}
	c.Close()
	r.connEnded(t, c.LocalAddr().String())
	st := r.Stats()
	if st.Frames != 4 || st.Events != 3 || st.PodLogs != 1 || st.Rejected != 0 || st.Queued != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestReceiverTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	r := startReceiver(t, ReceiverConfig{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})

	// A plain-TCP sender fails the handshake and is counted; the TLS
	// sender is served.
	plain := dial(t, r.Addr())
	send(t, plain, referenceFrames[0])
	c, err := tls.Dial("tcp", r.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send(t, c, referenceFrames[1])
	if ev := r.next(t); ev.Class != ClassCrashLoop {
		t.Errorf("over TLS: %+v", ev)
	}
	r.connEnded(t, plain.LocalAddr().String())
	if st := r.Stats(); st.Refused != 1 || st.Events != 1 {
		t.Errorf("stats %+v: want the plain sender refused and one event", st)
	}
	rej := r.Rejections()
	if len(rej) != 1 || !strings.Contains(rej[0].Err.Detail, "TLS handshake") {
		t.Errorf("rejections %+v", rej)
	}
}

// Each bad sender does its worst on its own connection while a good
// sender keeps sending on another; the good sender's events all arrive and
// the bad input is counted, never lost silently.
func TestReceiverBadInputKeepsServingOthers(t *testing.T) {
	good1 := octetFrame(eventMsg("default", "good-1", "", "Started container"))
	good2 := octetFrame(eventMsg("default", "good-2", "", "Started container"))
	cases := []struct {
		name   string
		cfg    ReceiverConfig
		bad    func(t *testing.T, c io.ReadWriteCloser)
		events []string // objects of the events the bad sender still gets through
		check  func(t *testing.T, st Stats, rej []Rejection)
		// idle: the good sender's connection idles out too, so it sends
		// again on a new one.
		idle bool
	}{
		{"truncated frame", ReceiverConfig{}, func(t *testing.T, c io.ReadWriteCloser) {
			f := octetFrame(eventMsg("ns", "whole", "", "Started container"))
			send(t, c.(netConn), f+f[:len(f)/2])
			c.Close()
		}, []string{"whole"}, func(t *testing.T, st Stats, rej []Rejection) {
			if st.Truncated != 1 || st.Rejected != 1 {
				t.Errorf("stats %+v: want one truncated frame", st)
			}
		}, false},
		{"wrong octet counts", ReceiverConfig{}, func(t *testing.T, c io.ReadWriteCloser) {
			a := eventMsg("ns", "long", "", "Back-off restarting failed container")
			b := eventMsg("ns", "short", "", "Error: ErrImagePull")
			d := eventMsg("ns", "after", "", "Started container")
			send(t, c.(netConn), itoa(len(a)+30)+" "+a+itoa(len(b)-7)+" "+b+octetFrame(d))
			c.Close()
		}, []string{"long", "short", "after"}, func(t *testing.T, st Stats, _ []Rejection) {
			if st.Recounted != 2 || st.Rejected != 0 {
				t.Errorf("stats %+v: want two recovered frames", st)
			}
		}, false},
		{"non-UTF-8", ReceiverConfig{}, func(t *testing.T, c io.ReadWriteCloser) {
			send(t, c.(netConn), octetFrame(eventMsg("ns", "latin1", "", "Started container caf\xe9"))+
				octetFrame(strings.Replace(eventMsg("ns", "badhost", "", "x"), "prod-east", "prod\xffeast", 1))+
				octetFrame(eventMsg("ns", "after", "", "Started container")))
			c.Close()
		}, []string{"latin1", "after"}, func(t *testing.T, st Stats, rej []Rejection) {
			if st.NonUTF8 != 1 || st.Rejected != 1 || rej[0].Err.Kind != FrameBadSyslog || !strings.Contains(rej[0].Err.Detail, "hostname") {
				t.Errorf("stats %+v rejections %+v", st, rej)
			}
		}, false},
		{"oversized message", ReceiverConfig{MaxFrame: 1024}, func(t *testing.T, c io.ReadWriteCloser) {
			send(t, c.(netConn), octetFrame(eventMsg("ns", "huge", "", strings.Repeat("y", 4000)))+
				octetFrame(eventMsg("ns", "after", "", "Started container")))
			c.Close()
		}, []string{"after"}, func(t *testing.T, st Stats, rej []Rejection) {
			if st.Oversized != 1 || rej[0].Err.Kind != FrameOversized || len(rej[0].Err.Raw) > rawExcerpt {
				t.Errorf("stats %+v rejections %+v", st, rej)
			}
		}, false},
		{"silent client", ReceiverConfig{IdleTimeout: 200 * 1e6}, func(t *testing.T, c io.ReadWriteCloser) {
			// Sends nothing; the receiver hangs up on it after the idle
			// timeout, which the client sees as end of stream.
			if _, err := c.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("silent client read: %v, want EOF from the receiver", err)
			}
		}, nil, func(t *testing.T, st Stats, _ []Rejection) {
			if st.IdleTimeouts < 1 || st.Rejected != 0 {
				t.Errorf("stats %+v: want the idle timeout counted", st)
			}
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := startReceiver(t, tc.cfg)
			good := dial(t, r.Addr())
			send(t, good, good1)
			if ev := r.next(t); ev.Object != "good-1" {
				t.Fatalf("first good event: %+v", ev)
			}
			bad := dial(t, r.Addr())
			tc.bad(t, bad)
			r.connEnded(t, bad.LocalAddr().String())
			if tc.idle {
				good = dial(t, r.Addr())
			}
			send(t, good, good2)
			got := map[string]bool{}
			for range len(tc.events) + 1 {
				got[r.next(t).Object] = true
			}
			for _, o := range append(tc.events, "good-2") {
				if !got[o] {
					t.Errorf("event of %s missing; got %v", o, got)
				}
			}
			tc.check(t, r.Stats(), r.Rejections())
		})
	}
}

func TestReceiverCountsDropsWhenTheQueueIsFull(t *testing.T) {
	r := startReceiver(t, ReceiverConfig{Queue: 3})
	c := dial(t, r.Addr())
	var b strings.Builder
	for i := 0; i < 10; i++ {
		b.WriteString(octetFrame(eventMsg("ns", "pod-"+itoa(i), "", "Back-off restarting failed container")))
	}
	send(t, c, b.String())
	c.Close()
	r.connEnded(t, c.LocalAddr().String())
	st := r.Stats()
	if st.Events != 10 || st.Queued != 3 || st.Dropped != 7 {
		t.Errorf("stats %+v: want 10 events, 3 queued, 7 dropped", st)
	}
	for i := 0; i < 3; i++ {
		if ev := r.next(t); ev.Object != "pod-"+itoa(i) {
			t.Errorf("queued event %d is %s", i, ev.Object)
		}
	}
}

func TestReceiverMapsSendersToDeployments(t *testing.T) {
	dep := "service-instance_8de000ff-a87a-4930-81ba-106d42c2471e"
	vms := NewVMIndex([]VM{
		{Deployment: dep, Instance: "worker/6c1c", CID: "vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c", IPs: []string{"10.0.16.12"}},
		{Deployment: dep, Instance: "worker/77aa", CID: "vm-node-2", IPs: []string{"127.0.0.1"}},
		{Deployment: "harbor-container-registry-1", Instance: "harbor-app/1", CID: "vm-harbor", IPs: []string{"10.0.1.20"}},
	})
	if vms.Len() != 4 {
		t.Fatalf("index holds %d names; only cluster VMs belong in it", vms.Len())
	}
	r := startReceiver(t, ReceiverConfig{VMs: vms})
	c := dial(t, r.Addr())
	send(t, c, referenceFrames[0]+
		octetFrame(eventMsg("", "vm-node-2", "", "Node vm-node-2 status is now: NodeNotReady"))+
		octetFrame(strings.Replace(eventMsg("ns", "p", "", "Started container"), "prod-east", "-", 1)))
	ev := r.next(t)
	if ev.Deployment != dep || ev.Instance != "worker/6c1c" || ev.Cluster != "my-cluster" {
		t.Errorf("by vm_id: %+v", ev)
	}
	ev = r.next(t)
	if ev.Deployment != dep || ev.Class != ClassNodeNotReady {
		t.Errorf("node event by object name: %+v", ev)
	}
	ev = r.next(t)
	// No HOSTNAME, no vm_id: the sender's address names the deployment,
	// which stands in for the cluster name.
	if ev.Deployment != dep || ev.Cluster != dep {
		t.Errorf("by sender address: %+v", ev)
	}
}

func TestReceiverLearnsClusterDeployments(t *testing.T) {
	dep := "service-instance_8de000ff-a87a-4930-81ba-106d42c2471e"
	vms := NewVMIndex([]VM{{Deployment: dep, Instance: "worker/6c1c", CID: "vm-w1"}})
	vms.AddClusters(map[string]string{"payments-prod": "service-instance_1"})
	r := startReceiver(t, ReceiverConfig{VMs: vms})
	c := dial(t, r.Addr())
	// prod-east is not known by name; its first event names a VM, the
	// scheduler's next one does not.
	send(t, c, octetFrame(eventMsg("ns", "a", "vm-w1", "Started container"))+
		octetFrame(eventMsg("ns", "b", "", "0/3 nodes are available: 3 Insufficient cpu."))+
		octetFrame(strings.Replace(eventMsg("ns", "c", "", "Created pod: c"), "prod-east", "payments-prod", 1)))
	for i, want := range []string{dep, dep, "service-instance_1"} {
		if ev := r.next(t); ev.Deployment != want {
			t.Errorf("event %d (%s/%s): deployment %q, want %q", i, ev.Cluster, ev.Object, ev.Deployment, want)
		}
	}
}
