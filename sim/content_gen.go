package sim

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// generator builds the foundation content from a seed.
type generator struct {
	seed   int64
	epoch  time.Time
	c      *content
	series map[string]*releaseSeries
	rs     *rng // release commit hashes and stemcell CIDs
}

var azs = []string{"az1", "az2", "az3"}

// generateContent builds the whole foundation: PKS control plane, clusters,
// Harbor and the filler deployments.
func generateContent(seed int64, epoch time.Time, fillers, perFiller int) *content {
	g := &generator{
		seed:   seed,
		epoch:  epoch,
		c:      &content{epoch: epoch, directorName: "p-bosh"},
		series: map[string]*releaseSeries{},
		rs:     newRNG(seed, "releases"),
	}
	g.c.uuid = newRNG(seed, "director").uuid()
	current := &stemcell{ID: 2, Name: stemcellName, OS: stemcellOS, Version: stemcellVersion, CID: "sc-" + g.rs.uuid(), APIVersion: 3}
	older := &stemcell{ID: 1, Name: stemcellName, OS: stemcellOS, Version: oldStemcellVer, CID: "sc-" + g.rs.uuid(), APIVersion: 3}
	g.c.stemcells = []*stemcell{older, current}

	g.c.pks = g.pksControlPlane(current)
	g.c.clusters = g.clusters(current)
	g.c.harbor = g.harborRegistry(older)
	for i := 0; i < fillers; i++ {
		g.c.fillers = append(g.c.fillers, g.filler(i, perFiller, current))
	}
	g.c.deployments = append(g.c.deployments, g.c.pks, g.c.harbor)
	g.c.deployments = append(g.c.deployments, g.c.clusters...)
	g.c.deployments = append(g.c.deployments, g.orphanCluster(current)) // sim/pks_content.go
	g.c.deployments = append(g.c.deployments, g.c.fillers...)
	for name, versions := range olderReleaseVersions {
		for _, v := range versions {
			g.release(name, v, false)
		}
	}
	for _, s := range g.series {
		var jobs []string
		for _, v := range s.Versions {
			if v.deployed {
				jobs = v.JobNames
			}
		}
		for _, v := range s.Versions {
			if len(v.JobNames) == 0 {
				v.JobNames = append([]string{}, jobs...)
			}
		}
		sort.Slice(s.Versions, func(i, j int) bool { return versionLess(s.Versions[i].Version, s.Versions[j].Version) })
		g.c.releases = append(g.c.releases, s)
	}
	g.c.index()
	return g.c
}

// newDeployment starts a deployment using the releases its groups' jobs
// come from, plus extra releases named in also.
func (g *generator) newDeployment(name string, sc *stemcell, groups []*instanceGroup, also ...string) *deployment {
	d := &deployment{Name: name, Stemcell: sc, Groups: groups, Teams: []string{}}
	seen := map[string]bool{}
	add := func(rel string) {
		if seen[rel] {
			return
		}
		seen[rel] = true
		v := releaseVersions[rel]
		d.Releases = append(d.Releases, release{Name: rel, Version: v})
		rv := g.release(rel, v, true)
		for _, grp := range groups {
			for _, j := range grp.Jobs {
				if j.Release == rel && !slices.Contains(rv.JobNames, j.Name) {
					rv.JobNames = append(rv.JobNames, j.Name)
				}
			}
		}
	}
	for _, grp := range groups {
		for _, j := range grp.Jobs {
			add(j.Release)
		}
	}
	for _, rel := range also {
		add(rel)
	}
	sort.Slice(d.Releases, func(i, j int) bool { return d.Releases[i].Name < d.Releases[j].Name })
	return d
}

// release registers a release version, returning the stored record.
func (g *generator) release(name, version string, deployed bool) *releaseVersion {
	s := g.series[name]
	if s == nil {
		s = &releaseSeries{Name: name}
		g.series[name] = s
	}
	for _, v := range s.Versions {
		if v.Version == version {
			v.deployed = v.deployed || deployed
			return v
		}
	}
	v := &releaseVersion{Version: version, CommitHash: g.rs.hex(8), deployed: deployed, JobNames: []string{}}
	s.Versions = append(s.Versions, v)
	return v
}

// ipPool hands out consecutive addresses in 10.a.b.c.
type ipPool struct{ next uint32 }

func newIPPool(a, b, c byte) *ipPool {
	return &ipPool{next: 10<<24 | uint32(a)<<16 | uint32(b)<<8 | uint32(c)}
}

func (p *ipPool) take() string {
	n := p.next
	p.next++
	return fmt.Sprintf("%d.%d.%d.%d", n>>24, n>>16&0xff, n>>8&0xff, n&0xff)
}

// addInstances creates count instances of grp in d, spread over the group's
// AZs, with VMs created around vmAge before the epoch.
func (g *generator) addInstances(d *deployment, r *rng, grp *instanceGroup, count int, ips *ipPool, vmAge time.Duration) []*instance {
	var out []*instance
	for i := 0; i < count; i++ {
		in := &instance{
			Deployment: d.Name,
			Group:      grp,
			Index:      i,
			ID:         r.uuid(),
			AZ:         grp.AZs[i%len(grp.AZs)],
			Bootstrap:  i == 0,
			State:      "started",
			Health:     healthRunning,
		}
		if grp.PersistentMB > 0 {
			in.DiskCID = "disk-" + r.uuid()
		}
		if !grp.Errand {
			created := g.epoch.Add(-vmAge).Add(time.Duration(60+r.intn(600)) * time.Second).Truncate(time.Second)
			in.VM = &vm{CID: "vm-" + r.uuid(), AgentID: r.uuid(), IPs: []string{ips.take()}, CreatedAt: created.UTC(), Stemcell: d.Stemcell, Active: true}
		}
		in.Load = vitalsSeed{
			CPUUser: r.float(1, 18), CPUSys: r.float(0.4, 3.5), CPUWait: r.float(0, 1.2),
			Load1:      r.float(0.05, 2.2),
			MemPercent: r.float(22, 78),
			SystemDisk: r.float(31, 55), SystemInode: r.float(18, 34),
			EphDisk: r.float(2, 44), EphInode: r.float(0.5, 8),
			PersDisk: r.float(4, 68), PersInode: r.float(0, 4),
			Phase: r.float(0, 6.28),
		}
		for _, j := range grp.Jobs {
			for _, p := range j.Processes {
				in.Procs = append(in.Procs, procSample{
					Name:     p.Name,
					MemKB:    uint64(float64(p.MemKB) * r.float(0.8, 1.3)),
					CPU:      p.CPU * r.float(0.5, 1.5),
					StartLag: time.Duration(r.between(18, 140)) * time.Second,
				})
			}
		}
		out = append(out, in)
	}
	d.Instances = append(d.Instances, out...)
	return out
}

// fail marks an instance failing with the named process down.
func (in *instance) fail(process string) {
	in.Health = healthFailing
	in.Failing = process
}
