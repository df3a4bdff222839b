package sim

// Drift laid over the foundation at start (Options.Drift), chosen by the
// drift seed (Options.DriftSeed, else the content seed):
//
//   - a PKS cluster not held by the running upgrade: one worker's VM deleted
//     in the IaaS (missing_vm), another worker's agent stopped answering
//     (unresponsive_agent), and the first master's disk detached from its VM
//     (mount_info_mismatch);
//   - the Harbor deployment: its registry's persistent disk deleted in the
//     IaaS (missing_disk);
//   - the PKS control plane: a leftover inactive disk on its database
//     instance (inactive_disk).
//
// It runs before the servers start, so the instance health it sets is seen
// by every listing.
func (w *cckWorld) applyDrift(seed int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.f.content
	r := newRNG(seed, "drift")

	var candidates []*deployment
	for _, d := range c.clusters {
		if w.f.bg == nil || d != w.f.bg.d {
			candidates = append(candidates, d)
		}
	}
	if len(candidates) > 0 {
		w.driftCluster(candidates[r.intn(len(candidates))], r)
	}
	if c.harbor != nil {
		cd := w.deployment(c.harbor)
		for _, d := range cd.disks {
			d.exists, d.mountedOn = false, nil
			break
		}
		w.drifted = append(w.drifted, c.harbor.Name)
	}
	if c.pks != nil {
		cd := w.deployment(c.pks)
		for _, ci := range cd.insts {
			if ci.in.Group.PersistentMB == 0 || ci.vmCID() == "" || ci.in.Group.Name != "pks-db" {
				continue
			}
			w.nextDBID++
			cd.disks = append(cd.disks, &cckDisk{dbID: w.nextDBID, cid: "disk-" + r.uuid(),
				sizeMB: ci.in.Group.PersistentMB, owner: ci, exists: true})
			w.drifted = append(w.drifted, c.pks.Name)
			break
		}
	}
}

// driftCluster breaks two workers whose agents answer (the VM of one is
// deleted, the agent of the other stops) and detaches the first master's
// disk.
func (w *cckWorld) driftCluster(d *deployment, r *rng) {
	cd := w.deployment(d)
	var workers []*cckInstance
	var master *cckInstance
	for _, ci := range cd.insts {
		switch {
		case ci.in.Group.Name == "master" && master == nil && ci.vmCID() != "":
			master = ci
		case ci.in.Group.Name == "worker" && ci.in.Health != healthUnresponsive && ci.vmCID() != "":
			workers = append(workers, ci)
		}
	}
	r.r.Shuffle(len(workers), func(i, j int) { workers[i], workers[j] = workers[j], workers[i] })
	if len(workers) > 0 {
		gone := workers[0]
		delete(w.cloud, gone.vmCID())
		for _, disk := range cd.disks {
			if disk.owner == gone {
				disk.mountedOn = nil
			}
		}
		gone.in.Health = healthUnresponsive
	}
	if len(workers) > 1 {
		w.cloud[workers[1].vmCID()].agentOK = false
		workers[1].in.Health = healthUnresponsive
	}
	if master != nil {
		if disk := cd.activeDisk(master); disk != nil {
			disk.mountedOn = nil
		}
	}
	w.drifted = append(w.drifted, d.Name)
}
