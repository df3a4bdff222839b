package sim

import "time"

// clusterShape is one PKS cluster: masters, workers and what is wrong with it.
type clusterShape struct {
	masters, workers int
	age              time.Duration // since the last deploy
	plan             string        // worker VM type
}

var clusterShapes = []clusterShape{
	{masters: 1, workers: 3, age: 12 * 24 * time.Hour, plan: "large.disk"},
	{masters: 3, workers: 5, age: 27 * 24 * time.Hour, plan: "xlarge.disk"},
	{masters: 1, workers: 2, age: 5 * 24 * time.Hour, plan: "medium.disk"},
	{masters: 3, workers: 10, age: 33 * 24 * time.Hour, plan: "xlarge.disk"},
}

// clusters are the PKS service instances service-instance_<uuid>. Their
// BOSH team is the PKS control plane deployment. The first has a failing
// kubelet, the second an unresponsive agent, the third a stopped worker;
// the fourth is the one the long-running upgrade task works on.
func (g *generator) clusters(sc *stemcell) []*deployment {
	r := newRNG(g.seed, "clusters")
	var out []*deployment
	for k, shape := range clusterShapes {
		master := &instanceGroup{Name: "master", VMType: "medium.disk", CPU: 2, RAMMB: 4096, DiskMB: 32768,
			PersistentMB: 10240, Jobs: masterJobs, AZs: azs}
		worker := &instanceGroup{Name: "worker", VMType: shape.plan, CPU: 4, RAMMB: 16384, DiskMB: 65536,
			PersistentMB: 51200, Jobs: workerJobs, AZs: azs}
		switch shape.plan {
		case "medium.disk":
			worker.CPU, worker.RAMMB, worker.DiskMB = 2, 4096, 32768
		case "large.disk":
			worker.CPU, worker.RAMMB = 2, 8192
		}
		d := g.newDeployment("service-instance_"+r.uuid(), sc, []*instanceGroup{master, worker},
			"pks-helpers", "sink-resources", "backup-and-restore-sdk")
		d.Teams = []string{g.c.pks.Name}
		d.Network = "pks-services"
		d.DeployedBy = g.c.pks.Name
		d.DeployedAt = g.epoch.Add(-shape.age).Truncate(time.Second)
		ips := newIPPool(0, byte(16+k), 10)
		g.addInstances(d, r, master, shape.masters, ips, shape.age)
		workers := g.addInstances(d, r, worker, shape.workers, ips, shape.age)
		switch k {
		case 0:
			workers[2].fail("kubelet")
		case 1:
			workers[3].Health = healthUnresponsive
		case 2:
			workers[1].Health = healthStopped
			workers[1].State = "stopped"
		}
		out = append(out, d)
	}
	return out
}
