package sim

import (
	"fmt"
	"time"
)

// filler builds filler-NNNN with n instances over web, worker and db groups
// in three AZs. A few instances fail or stop answering, as on any large
// foundation.
func (g *generator) filler(i, n int, sc *stemcell) *deployment {
	r := newRNG(g.seed, fmt.Sprintf("filler-%d", i))
	web := &instanceGroup{Name: "web", VMType: "medium", CPU: 2, RAMMB: 4096, DiskMB: 16384, Jobs: fillerWebJobs, AZs: azs}
	worker := &instanceGroup{Name: "worker", VMType: "large", CPU: 4, RAMMB: 8192, DiskMB: 32768, Jobs: fillerWorkerJobs, AZs: azs}
	db := &instanceGroup{Name: "db", VMType: "large", CPU: 4, RAMMB: 16384, DiskMB: 32768, PersistentMB: 10240,
		Jobs: fillerDBJobs, AZs: azs}
	nDB, nWeb := 0, 0
	if n >= 3 {
		nDB = max(1, n/10)
		nWeb = max(1, n/5)
	}
	nWorker := n - nDB - nWeb
	groups := []*instanceGroup{web, worker, db}
	d := g.newDeployment(fmt.Sprintf("filler-%04d", i+1), sc, groups)
	d.Network = "default"
	d.DeployedBy = "admin"
	age := time.Duration(r.between(1, 60)) * 24 * time.Hour
	d.DeployedAt = g.epoch.Add(-age).Truncate(time.Second)
	base := uint32(i) * uint32(max(n, 1)+2)
	ips := &ipPool{next: (10<<24 | 64<<16) + base + 10}
	g.addInstances(d, r, web, nWeb, ips, age)
	g.addInstances(d, r, worker, nWorker, ips, age)
	g.addInstances(d, r, db, nDB, ips, age)
	for _, in := range d.Instances {
		switch {
		case r.chance(0.015):
			in.fail(in.Procs[r.intn(len(in.Procs))].Name)
		case r.chance(0.005):
			in.Health = healthUnresponsive
		}
	}
	return d
}
