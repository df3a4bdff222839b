package sim

import (
	"bytes"
	"time"
)

// vmStatsKind is the director's VmState job behind
// GET /deployments/:d/instances?format=full (instances true: one line per
// instance, VM-less ones included) and /vms?format=full (one line per VM,
// inactive ones included). It writes no event log.
type vmStatsKind struct {
	d         *deployment
	instances bool
}

func (k vmStatsKind) jobType() string     { return "vms" }
func (k vmStatsKind) description() string { return "retrieve vm-stats" }
func (k vmStatsKind) lock() *lockSpec     { return nil }

func (k vmStatsKind) run(x *taskRun) (string, error) {
	if err := x.wait(x.f.opts.TaskTime); err != nil {
		return "", err
	}
	x.writeResult(vmStatsResult(x.f.opts.Seed, x.t.ID, x.f.deploymentNow(k.d), k.instances, time.Now()))
	return "", nil
}

// vmStatsResult renders the NDJSON result. The director writes lines from
// a thread pool, so their order is not the instance order; here it is a
// shuffle fixed by the seed and the task id.
func vmStatsResult(seed int64, taskID int, states []instanceNow, instances bool, now time.Time) []byte {
	var lines []vmInfoLine
	for _, s := range states {
		switch {
		case instances:
			lines = append(lines, vmInfo(s, s.vm, now))
		default:
			for _, v := range s.vms() {
				lines = append(lines, vmInfo(s, v, now))
			}
		}
	}
	r := newRNG(seed+int64(taskID), "vm-stats-order")
	r.r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	var buf bytes.Buffer
	for _, l := range lines {
		b, err := marshalJSON(l)
		if err != nil {
			continue
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}
