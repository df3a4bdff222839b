package sim

import (
	"fmt"
	"time"
)

// sinkCluster is one simulated cluster's view for the sink: its name, its
// worker nodes (VM CIDs) and the pods whose events it sends.
type sinkCluster struct {
	name    string
	workers []string // VM CIDs, the node names
	down    string   // a node that is not ready, "" if none
	pods    []sinkPod
}

// scenario is what a pod goes through, and so which events it sends.
type scenario int

const (
	scHealthy   scenario = iota // scheduled, pulled, created, started
	scCrashLoop                 // Back-off restarting failed container
	scImagePull                 // ErrImagePull / ImagePullBackOff
	scPending                   // FailedScheduling: no node fits
	scOOM                       // a node kills a process for memory
	scNodeDown                  // the node controller marks a node NotReady
)

type sinkPod struct {
	namespace, name, container, image string
	node                              string
	sc                                scenario
	step                              int
}

// sinkTraffic generates the event stream of every cluster.
type sinkTraffic struct {
	r        *rng
	clusters []*sinkCluster
	n        int
}

// newSinkTraffic builds the clusters' pods from the foundation's content:
// the cluster with the failing kubelet crash-loops and cannot pull an
// image, the one with the unresponsive worker has a NotReady node and an
// OOM, the one with the stopped worker leaves pods Pending.
func newSinkTraffic(c *content, seed int64) *sinkTraffic {
	t := &sinkTraffic{r: newRNG(seed, "sink")}
	for k, d := range c.clusters {
		sc := &sinkCluster{name: sinkClusterName(k)}
		var broken string
		for _, in := range d.Instances {
			if in.Group.Name != "worker" || in.VM == nil {
				continue
			}
			sc.workers = append(sc.workers, in.VM.CID)
			if in.Health == healthUnresponsive || in.Health == healthStopped {
				broken = in.VM.CID
			}
		}
		if len(sc.workers) == 0 {
			continue
		}
		add := func(ns, app, container, image string, s scenario, n int) {
			hash := t.r.hex(10)
			for i := 0; i < n; i++ {
				node := sc.workers[t.r.intn(len(sc.workers))]
				sc.pods = append(sc.pods, sinkPod{namespace: ns, name: app + "-" + hash + "-" + t.r.hex(5),
					container: container, image: image, node: node, sc: s})
			}
		}
		add("default", "nginx", "nginx", "nginx:1.25.3", scHealthy, 3)
		add("kube-system", "coredns", "coredns", "coredns/coredns:1.11.1", scHealthy, 2)
		add("pks-system", "fluent-bit", "fluent-bit", "fluent/fluent-bit:2.2.0", scHealthy, len(sc.workers))
		add("monitoring", "cost-analyzer-prometheus-server", "prometheus-server", "prom/prometheus:v2.48.0", scHealthy, 1)
		switch k % 4 {
		case 0:
			add("payments", "payments-api", "api", "harbor.example.com/payments/api:3.2.1", scCrashLoop, 2)
			add("default", "web-frontend", "web", "harbor.example.com/library/web:1.99", scImagePull, 1)
		case 1:
			sc.down = broken
			add("monitoring", "node-exporter", "node-exporter", "prom/node-exporter:v1.7.0", scNodeDown, 1)
			add("batch", "report-builder", "builder", "harbor.example.com/batch/report:2.0.0", scOOM, 1)
		case 2:
			add("analytics", "spark-worker", "spark", "apache/spark:3.5.0", scPending, 2)
			add("ci", "runner", "runner", "harbor.example.com/ci/runner:latest", scCrashLoop, 1)
		case 3:
			add("ci", "build-agent", "agent", "harbor.example.com/ci/agent:v9", scImagePull, 1)
			add("analytics", "etl-job", "etl", "harbor.example.com/analytics/etl:4.1", scPending, 1)
		}
		if sc.down == "" && broken != "" {
			sc.down = broken
		}
		t.clusters = append(t.clusters, sc)
	}
	return t
}

// sinkClusterName is cluster k's name, the one the simulated PKS API
// gives it; TKGI puts it in HOSTNAME.
func sinkClusterName(k int) string {
	if k < len(clusterNames) {
		return clusterNames[k]
	}
	return fmt.Sprintf("cluster-%d", k+1)
}

// next returns the next record of cluster k (round robin when k < 0):
// about one in ten is a container log line, the rest are events.
func (t *sinkTraffic) next(k int, at time.Time) sinkRecord {
	if k < 0 {
		k = t.n % len(t.clusters)
	}
	t.n++
	c := t.clusters[k]
	p := &c.pods[t.r.intn(len(c.pods))]
	rec := sinkRecord{at: at, host: c.name, event: true, namespace: p.namespace, object: p.name, vmID: p.node}
	if t.r.chance(0.1) {
		rec.event = false
		rec.container = p.container
		rec.labels = [][2]string{{"app", p.container}, {"pod-template-hash", t.r.hex(10)}}
		if t.r.chance(0.5) {
			rec.labels[0], rec.labels[1] = rec.labels[1], rec.labels[0] // Go map order
		}
		rec.msg = fmt.Sprintf("%s level=info msg=\"request served\" status=200 duration=%dms", at.UTC().Format("2006/01/02 15:04:05"), t.r.between(1, 900))
		return rec
	}
	rec.msg = p.message(c, t.r, &rec)
	p.step++
	return rec
}

// message is the pod's next event message; it may change the record's
// object, namespace or node for events about nodes and from controllers.
func (p *sinkPod) message(c *sinkCluster, r *rng, rec *sinkRecord) string {
	lifecycle := func() string {
		switch p.step % 5 {
		case 0:
			rec.vmID = "" // the scheduler has no host
			return fmt.Sprintf("Successfully assigned %s/%s to %s", p.namespace, p.name, p.node)
		case 1:
			return fmt.Sprintf("Pulling image %q", p.image)
		case 2:
			return fmt.Sprintf("Container image %q already present on machine", p.image)
		case 3:
			return "Created container " + p.container
		}
		return "Started container " + p.container
	}
	switch p.sc {
	case scCrashLoop:
		if p.step%4 == 0 {
			return "Started container " + p.container
		}
		return fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", p.container, p.name, p.namespace, r.uuid())
	case scImagePull:
		switch p.step % 4 {
		case 0:
			return fmt.Sprintf("Failed to pull image %q: rpc error: code = NotFound desc = failed to pull and unpack image %q: not found", p.image, p.image)
		case 1:
			return "Error: ErrImagePull"
		case 2:
			return fmt.Sprintf("Back-off pulling image %q", p.image)
		}
		return "Error: ImagePullBackOff"
	case scPending:
		rec.vmID = ""
		n := len(c.workers)
		return fmt.Sprintf("0/%d nodes are available: %d Insufficient cpu, %d Insufficient memory.", n, n, n-1)
	case scOOM:
		if p.step%3 == 0 {
			rec.namespace, rec.object = "", p.node // a node event
			return fmt.Sprintf("System OOM encountered, victim process: java, pid: %d", r.between(2000, 40000))
		}
		return lifecycle()
	case scNodeDown:
		if c.down == "" {
			return lifecycle()
		}
		if p.step%2 == 0 {
			rec.namespace, rec.object, rec.vmID = "", c.down, "" // the node controller
			return fmt.Sprintf("Node %s status is now: NodeNotReady", c.down)
		}
		rec.vmID = ""
		return fmt.Sprintf("Marking for deletion Pod %s/%s", p.namespace, p.name)
	}
	return lifecycle()
}
