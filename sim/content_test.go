package sim

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fingerprint lists what must not change for a seed: names, uuids, CIDs,
// IPs, agents and states.
func fingerprint(c *content) []string {
	out := []string{c.uuid}
	for _, d := range c.deployments {
		out = append(out, d.Name)
		for _, in := range d.Instances {
			row := []string{in.name(), in.AZ, in.State, in.Health, in.Failing, in.DiskCID}
			if in.VM != nil {
				row = append(row, in.VM.CID, in.VM.AgentID, strings.Join(in.VM.IPs, ","))
			}
			out = append(out, strings.Join(row, " "))
		}
	}
	return out
}

func TestContentIsDeterministic(t *testing.T) {
	epoch := time.Date(2024, 4, 6, 10, 0, 0, 0, time.UTC)
	a := fingerprint(generateContent(7, epoch, 3, 10))
	b := fingerprint(generateContent(7, epoch.Add(time.Hour), 3, 10))
	if !equal(a, b) {
		t.Error("same seed gave a different foundation")
	}
	c := fingerprint(generateContent(8, epoch, 3, 10))
	same := 0
	for i := range a {
		if i < len(c) && a[i] == c[i] {
			same++
		}
	}
	if same > len(a)/10 {
		t.Errorf("seeds 7 and 8 share %d of %d content rows", same, len(a))
	}
	// Filler deployments draw from their own streams: adding some leaves
	// the PKS foundation as it was.
	more := generateContent(7, epoch, 5, 10)
	less := generateContent(7, epoch, 0, 10)
	if fingerprint(more)[0] != fingerprint(less)[0] || more.pks.Instances[0].ID != less.pks.Instances[0].ID ||
		more.clusters[2].Name != less.clusters[2].Name {
		t.Error("filler count changed the PKS content")
	}
}

func TestContentShape(t *testing.T) {
	c := generateContent(1, time.Now(), 4, 20)
	if !regexp.MustCompile(`^pivotal-container-service-[0-9a-f]{20}$`).MatchString(c.pks.Name) {
		t.Errorf("PKS deployment %q", c.pks.Name)
	}
	groups := map[string]int{}
	for _, in := range c.pks.Instances {
		groups[in.Group.Name]++
	}
	if groups["pivotal-container-service"] != 1 || groups["pks-db"] != 1 {
		t.Errorf("PKS groups %v", groups)
	}
	if !regexp.MustCompile(`^harbor-container-registry-[0-9a-f]{20}$`).MatchString(c.harbor.Name) {
		t.Errorf("Harbor deployment %q", c.harbor.Name)
	}
	uuid := regexp.MustCompile(`^service-instance_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	masters := map[int]bool{}
	for _, d := range c.clusters {
		if !uuid.MatchString(d.Name) || len(d.Teams) != 1 || d.Teams[0] != c.pks.Name {
			t.Errorf("cluster %q teams %v", d.Name, d.Teams)
		}
		n := 0
		for _, in := range d.Instances {
			if in.Group.Name == "master" {
				n++
				if !hasProcess(in, "kube-apiserver") || !hasProcess(in, "etcd") {
					t.Errorf("master %s processes %v", in.name(), in.Procs)
				}
			} else if in.Group.Name != "worker" || !hasProcess(in, "kubelet") {
				t.Errorf("cluster instance %s", in.name())
			}
		}
		masters[n] = true
	}
	if len(c.clusters) < 3 || !masters[1] || !masters[3] {
		t.Errorf("%d clusters, master counts %v", len(c.clusters), masters)
	}
	health := map[string]int{}
	noVM := 0
	for _, d := range c.deployments {
		for _, in := range d.Instances {
			health[in.Health]++
			if in.VM == nil {
				noVM++
				continue
			}
			ip := net.ParseIP(in.VM.IPs[0])
			if ip == nil || ip.To4()[0] != 10 {
				t.Errorf("%s IP %v", in.name(), in.VM.IPs)
			}
		}
	}
	if health[healthFailing] == 0 || health[healthUnresponsive] == 0 || health[healthStopped] != 1 || noVM == 0 {
		t.Errorf("health %v, %d without VM", health, noVM)
	}
	if len(c.fillers) != 4 {
		t.Fatalf("%d fillers", len(c.fillers))
	}
	for _, d := range c.fillers {
		azsSeen := map[string]bool{}
		for _, in := range d.Instances {
			azsSeen[in.AZ] = true
		}
		if len(d.Instances) != 20 || len(azsSeen) != 3 {
			t.Errorf("%s: %d instances in %d AZs", d.Name, len(d.Instances), len(azsSeen))
		}
	}
	for _, s := range c.releases {
		for _, v := range s.Versions {
			if !regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`).MatchString(v.Version) {
				t.Errorf("release %s version %q", s.Name, v.Version)
			}
		}
	}
}

func hasProcess(in *instance, name string) bool {
	for _, p := range in.Procs {
		if p.Name == name {
			return true
		}
	}
	return false
}

func TestVitalsMoveButStayInRange(t *testing.T) {
	c := generateContent(3, time.Now(), 0, 0)
	in := c.clusters[0].Instances[0]
	t0 := time.Now()
	a := vmInfo(seededNow(in), in.VM, t0)
	b := vmInfo(seededNow(in), in.VM, t0.Add(time.Minute))
	if a.Vitals.CPU.User == b.Vitals.CPU.User && a.Vitals.Load[0] == b.Vitals.Load[0] {
		t.Error("vitals do not change over a minute")
	}
	if b.Vitals.Uptime.Secs != a.Vitals.Uptime.Secs+60 {
		t.Errorf("uptime %d then %d", a.Vitals.Uptime.Secs, b.Vitals.Uptime.Secs)
	}
}
