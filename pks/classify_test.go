package pks

import (
	"strings"
	"testing"
	"time"
)

func TestParseReferenceFrames(t *testing.T) {
	want := []struct {
		ns, obj, vm, msg, reason string
		class                    Class
	}{
		{"default", "nginx-7d9b8c6f5d-x2x7q", "vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c", "Error: ErrImagePull", "Failed", ClassImagePull},
		{"monitoring", "cost-analyzer-prometheus-server-6c9f7d8b5-kq2zt", "vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c", "Back-off restarting failed container", "BackOff", ClassCrashLoop},
		{"rocky-raccoon", "logspewer-6b58b6689d-sr96t", "vm-efe48928-be8e-4db5-772c-426ee7aa52f2", "Started container", "Started", ClassStarted},
	}
	at := time.Date(2019, 1, 25, 9, 26, 44, 52731000, time.UTC)
	for i, w := range want {
		frame := referenceFrames[i][strings.IndexByte(referenceFrames[i], ' ')+1:]
		ev, err := Parse([]byte(frame))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		// Namespace and object come from the structured data, not from the
		// APP-NAME that was cut at 48 bytes.
		if ev.Namespace != w.ns || ev.Object != w.obj || ev.VMID != w.vm || ev.Cluster != "my-cluster" {
			t.Errorf("frame %d: ns %q obj %q vm %q cluster %q", i, ev.Namespace, ev.Object, ev.VMID, ev.Cluster)
		}
		if ev.Message != w.msg || ev.Class != w.class || ev.Reason != w.reason {
			t.Errorf("frame %d: message %q class %s reason %q; want %q %s %q", i, ev.Message, ev.Class, ev.Reason, w.msg, w.class, w.reason)
		}
		if !ev.Time.Equal(at) {
			t.Errorf("frame %d: time %v, want %v", i, ev.Time, at)
		}
		if ev.Raw != strings.TrimSuffix(frame, "\n") {
			t.Errorf("frame %d: raw %q", i, ev.Raw)
		}
	}
	// The pod log line is not an event.
	if _, err := Parse([]byte(referenceFrames[3][4:])); err == nil {
		t.Error("a pod.log frame parsed as an event")
	}
}

func TestClassifyMessages(t *testing.T) {
	cases := []struct {
		msg    string
		class  Class
		reason string
	}{
		{"Error: ErrImagePull", ClassImagePull, "Failed"},
		{"Error: ImagePullBackOff", ClassImagePull, "Failed"},
		{`Failed to pull image "nginx:1.99": rpc error: code = NotFound`, ClassImagePull, "Failed"},
		{`Back-off pulling image "nginx:1.99"`, ClassImagePull, "BackOff"},
		{"Back-off restarting failed container", ClassCrashLoop, "BackOff"},
		{"Back-off restarting failed container nginx in pod nginx-1_default(8d1c)", ClassCrashLoop, "BackOff"},
		{"0/1 nodes are available: 1 Insufficient cpu.", ClassScheduling, "FailedScheduling"},
		{"0/3 nodes are available: 3 node(s) didn't match node selector.", ClassScheduling, "FailedScheduling"},
		{"pod has unbound immediate PersistentVolumeClaims (repeated 3 times)", ClassScheduling, "FailedScheduling"},
		{"Node vm-1 status is now: NodeNotReady", ClassNodeNotReady, "NodeNotReady"},
		{"Marking for deletion Pod default/nginx-1", ClassNodeNotReady, "TaintManagerEviction"},
		{"Node vm-1 event: Removing Node vm-1 from Controller", ClassNodeNotReady, "RemovingNode"},
		{"System OOM encountered, victim process: java, pid: 4242", ClassOOMKilled, "SystemOOM"},
		{"Memory cgroup out of memory: Killed process 4242 (java)", ClassOOMKilled, "OOMKilling"},
		{"Started container", ClassStarted, "Started"},
		{"Started container nginx", ClassStarted, "Started"},
		{"Created pod: nginx-7d9b8c6f5d-x2x7q", ClassOther, "SuccessfulCreate"},
		{"Successfully assigned default/nginx to vm-1", ClassOther, "Scheduled"},
		{`Container image "nginx" already present on machine`, ClassOther, "Pulled"},
		{"Created container", ClassOther, "Created"},
		{"Killing container with id docker://nginx:Need to kill Pod", ClassOther, "Killing"},
		{"something nobody has seen", ClassOther, ""},
		{"", ClassOther, ""},
	}
	for _, c := range cases {
		class, reason := Classify(c.msg)
		if class != c.class || reason != c.reason {
			t.Errorf("Classify(%q) = %s, %q; want %s, %q", c.msg, class, reason, c.class, c.reason)
		}
	}
}

func TestParseClass(t *testing.T) {
	for in, want := range map[string]Class{"crash": ClassCrashLoop, "image-pull": ClassImagePull, "OOM": ClassOOMKilled,
		"node": ClassNodeNotReady, "sched": ClassScheduling, "start": ClassStarted, "other": ClassOther} {
		if got, err := ParseClass(in); err != nil || got != want {
			t.Errorf("ParseClass(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "o"} { // "o" is ambiguous: oom-killed, other
		if _, err := ParseClass(bad); err == nil || !strings.Contains(err.Error(), "crash-loop") {
			t.Errorf("ParseClass(%q) error %v: want one naming the classes", bad, err)
		}
	}
}

func TestGroupsOneRowPerObject(t *testing.T) {
	gs := NewGroups()
	gs.KeepRaw = 3
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	add := func(i int, obj, msg string) {
		ev := Event{Time: base.Add(time.Duration(i) * time.Second), Cluster: "prod-east", Namespace: "payments", Object: obj, Message: msg, Raw: msg + itoa(i)}
		ev.Class, ev.Reason = Classify(msg)
		gs.Add(&ev)
	}
	add(0, "api-1", "Started container api")
	for i := 1; i <= 1000; i++ {
		add(i, "api-1", "Back-off restarting failed container api")
	}
	add(1001, "api-1", "Started container api")
	add(5, "web-1", "Error: ErrImagePull")
	if gs.Len() != 2 || gs.Total() != 1003 {
		t.Fatalf("%d groups, %d events; want 2 groups, 1003 events", gs.Len(), gs.Total())
	}
	list := gs.List()
	g := list[0]
	if g.Object != "api-1" || g.Class != ClassCrashLoop || g.Total != 1002 || g.Counts[ClassCrashLoop] != 1000 || g.Counts[ClassStarted] != 2 {
		t.Errorf("crash-looping pod group: %+v", g)
	}
	if !g.First.Equal(base) || !g.Last.Equal(base.Add(1001*time.Second)) || g.Message != "Started container api" {
		t.Errorf("first %v last %v message %q", g.First, g.Last, g.Message)
	}
	if len(g.Raw) != 3 || g.Raw[2] != "Started container api1001" || g.Raw[0] != "Back-off restarting failed container api999" {
		t.Errorf("raw lines kept: %q", g.Raw)
	}
	if list[1].Class != ClassImagePull || gs.ClassCount(ClassCrashLoop) != 1000 || gs.ClassCount(ClassImagePull) != 1 {
		t.Errorf("second group %+v, class counts crash %d image %d", list[1], gs.ClassCount(ClassCrashLoop), gs.ClassCount(ClassImagePull))
	}
}

func TestGroupsAreBounded(t *testing.T) {
	gs := NewGroups()
	gs.MaxGroups = 10
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 25; i++ {
		gs.Add(&Event{Time: base.Add(time.Duration(i) * time.Second), Cluster: "c", Namespace: "n", Object: "pod-" + itoa(i), Class: ClassOther})
	}
	if gs.Len() != 10 || gs.Get(GroupKey{"c", "n", "pod-24"}) == nil || gs.Get(GroupKey{"c", "n", "pod-0"}) != nil {
		t.Errorf("%d groups kept; the newest must stay and the oldest go", gs.Len())
	}
}
