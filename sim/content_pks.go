package sim

import (
	"strconv"
	"strings"
	"time"
)

// pksControlPlane is the PKS/TKGI tile's deployment:
// pivotal-container-service-<20 hex> with the API VM and the database VM.
func (g *generator) pksControlPlane(sc *stemcell) *deployment {
	r := newRNG(g.seed, "pks")
	api := &instanceGroup{Name: "pivotal-container-service", VMType: "large.disk", CPU: 2, RAMMB: 8192, DiskMB: 65536,
		PersistentMB: 10240, Jobs: pksAPIJobs, AZs: azs[:1]}
	db := &instanceGroup{Name: "pks-db", VMType: "large.disk", CPU: 2, RAMMB: 8192, DiskMB: 65536,
		PersistentMB: 20480, Jobs: pksDBJobs, AZs: azs[:1]}
	d := g.newDeployment("pivotal-container-service-"+r.hex(20), sc, []*instanceGroup{api, db},
		"kubo", "cfcr-etcd", "pks-helpers", "sink-resources", "syslog", "backup-and-restore-sdk")
	d.Network = "pks-infrastructure"
	d.DeployedBy = "ops_manager"
	d.DeployedAt = g.epoch.Add(-19 * 24 * time.Hour).Truncate(time.Second)
	ips := newIPPool(0, 1, 10)
	g.addInstances(d, r, api, 1, ips, 19*24*time.Hour)
	g.addInstances(d, r, db, 1, ips, 19*24*time.Hour)
	return d
}

// harborRegistry is the Harbor tile's deployment, on the older stemcell, with
// an errand instance group whose instance has no VM.
func (g *generator) harborRegistry(sc *stemcell) *deployment {
	r := newRNG(g.seed, "harbor")
	app := &instanceGroup{Name: "harbor-app", VMType: "large.disk", CPU: 2, RAMMB: 8192, DiskMB: 65536,
		PersistentMB: 102400, Jobs: harborJobs, AZs: azs[:1]}
	smoke := &instanceGroup{Name: "smoke-testing", VMType: "micro", CPU: 1, RAMMB: 1024, DiskMB: 8192,
		Jobs: harborErrandJobs, AZs: azs[:1], Errand: true}
	d := g.newDeployment("harbor-container-registry-"+r.hex(20), sc, []*instanceGroup{app, smoke}, "syslog")
	d.Network = "pks-infrastructure"
	d.DeployedBy = "ops_manager"
	d.DeployedAt = g.epoch.Add(-41 * 24 * time.Hour).Truncate(time.Second)
	ips := newIPPool(0, 1, 20)
	g.addInstances(d, r, app, 1, ips, 41*24*time.Hour)
	g.addInstances(d, r, smoke, 1, ips, 0)
	return d
}

// versionLess orders dotted versions numerically where the parts are numbers.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea == nil && eb == nil {
			if na != nb {
				return na < nb
			}
			continue
		}
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}
