package sim

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// frameRe is the reference's frame: "<len> <14>1 TIMESTAMP HOST APP - -
// [kubernetes@47450 ...] MSG\n" with a numeric offset, never Z.
var frameRe = regexp.MustCompile(`^<14>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d:\d\d (\S+) ((k8s\.event|pod\.log)/\S*) - - \[kubernetes@47450( [^\]]*)?\] (.*)\n$`)

func TestSinkRecordMatchesTheReference(t *testing.T) {
	// The reference's first frame, rebuilt.
	r := sinkRecord{at: time.Date(2019, 1, 25, 9, 26, 44, 52731000, time.UTC), host: "my-cluster", event: true,
		namespace: "default", object: "nginx-7d9b8c6f5d-x2x7q", vmID: "vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c", msg: "Error: ErrImagePull"}
	want := "263 <14>1 2019-01-25T09:26:44.052731+00:00 my-cluster k8s.event/default/nginx-7d9b8c6f5d-x2x7q/ - - [kubernetes@47450 namespace_name=\"default\" object_name=\"nginx-7d9b8c6f5d-x2x7q\" container_name=\"\" vm_id=\"vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c\"] Error: ErrImagePull\n"
	if got := string(r.frame()); got != want {
		t.Errorf("frame\n%q\nwant\n%q", got, want)
	}
	// The cut APP-NAME of the second, and a whole second without a fraction.
	r = sinkRecord{at: time.Date(2019, 1, 25, 9, 26, 44, 0, time.UTC), host: "my-cluster", event: true,
		namespace: "monitoring", object: "cost-analyzer-prometheus-server-6c9f7d8b5-kq2zt", msg: `a "quoted] \ value`}
	got := string(r.frame())
	if !strings.Contains(got, " k8s.event/monitoring/cost-analyzer-prometheus-se - - ") || !strings.Contains(got, "T09:26:44+00:00 ") {
		t.Errorf("frame %q", got)
	}
	if strings.Contains(got, "vm_id") {
		t.Errorf("vm_id present without a host: %q", got)
	}
	if e := sdEscape(`a"b\c]d`); e != `a\"b\\c\]d` {
		t.Errorf("sdEscape = %q", e)
	}
}

func TestSinkTrafficFraming(t *testing.T) {
	f := startSim(t, Options{})
	frames := f.SinkFrames(2000, time.Now())
	names := map[string]bool{}
	for n := range f.SinkClusters() {
		names[n] = true
	}
	msgs := map[string]int{}
	for i, fr := range frames {
		s := string(fr)
		sp := strings.IndexByte(s, ' ')
		n, err := strconv.Atoi(s[:sp])
		if err != nil || n != len(s)-sp-1 {
			t.Fatalf("frame %d: count %q does not match %d bytes", i, s[:sp], len(s)-sp-1)
		}
		m := frameRe.FindStringSubmatch(s[sp+1:])
		if m == nil {
			t.Fatalf("frame %d not in the reference's format: %q", i, s)
		}
		if !names[m[2]] || len(m[3]) > 48 {
			t.Fatalf("frame %d: host %q app %q", i, m[2], m[3])
		}
		if m[4] == "k8s.event" {
			for _, k := range []string{"Back-off restarting failed container", "Error: ErrImagePull", "nodes are available",
				"NodeNotReady", "System OOM encountered", "Started container"} {
				if strings.Contains(m[6], k) {
					msgs[k]++
				}
			}
		} else {
			msgs["pod.log"]++
		}
	}
	for _, k := range []string{"Back-off restarting failed container", "Error: ErrImagePull", "nodes are available",
		"NodeNotReady", "System OOM encountered", "Started container", "pod.log"} {
		if msgs[k] == 0 {
			t.Errorf("no %q among 2000 frames: %v", k, msgs)
		}
	}
}

func TestSinkSendsCountFrames(t *testing.T) {
	f := startSim(t, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int, 1000)
	go func() {
		total := 0
		for {
			c, err := ln.Accept()
			if err != nil {
				got <- total
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					if _, err := br.ReadString('\n'); err != nil {
						if err != io.EOF {
							t.Error(err)
						}
						return
					}
					got <- 1
				}
			}(c)
		}
	}()
	s, err := f.StartSink(SinkOptions{Addr: ln.Addr().String(), Rate: 2000, Count: 150})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("sink did not finish its count")
	}
	n := 0
	for n < 150 {
		select {
		case <-got:
			n++
		case <-time.After(10 * time.Second):
			t.Fatalf("received %d of 150 frames", n)
		}
	}
	if s.Sent() != 150 || s.Errors() != 0 {
		t.Errorf("sent %d, errors %d", s.Sent(), s.Errors())
	}
	s.Close()
	if _, err := f.StartSink(SinkOptions{Addr: "nowhere"}); err == nil {
		t.Error("a bad sink address was accepted")
	}
}
