package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/cache"
	"bosun/pks"
)

func newEventsCmd(g *globals) *cobra.Command {
	var q eventsQuery
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Kubernetes events received from PKS sinks: what was stored, or live with 'events listen'",
		Long: "bosun events lists the Kubernetes events 'bosun events listen' received and stored,\n" +
			"grouped by cluster, namespace and object (with --json: one object per event).\n" +
			"Classes: " + classNames() + ".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEventsQuery(g, q, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.DurationVar(&q.since, "since", 24*time.Hour, "events received in this last period (0: all stored)")
	f.StringVar(&q.class, "class", "", "only this class (a unique prefix will do)")
	f.StringVarP(&q.cluster, "cluster", "c", "", "only this cluster (name or service-instance_ deployment)")
	f.IntVar(&q.limit, "limit", 10000, "at most this many of the newest events")
	cmd.AddCommand(newEventsListenCmd(g))
	return cmd
}

func classNames() string {
	names := make([]string, len(pks.Classes))
	for i, c := range pks.Classes {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

type eventsQuery struct {
	since   time.Duration
	class   string
	cluster string
	limit   int
}

// eventJSON is the contract's shape of one event (DESIGN.md), with the
// deployment and the node as well.
type eventJSON struct {
	Time       time.Time `json:"time"`
	Cluster    string    `json:"cluster"`
	Deployment string    `json:"deployment"`
	Namespace  string    `json:"namespace"`
	Object     string    `json:"object"`
	Class      string    `json:"class"`
	Reason     string    `json:"reason"`
	Message    string    `json:"message"`
	VMID       *string   `json:"vm_id"`    // null for controller events
	Instance   *string   `json:"instance"` // "group/uuid" of the VM, null when not known
}

func runEventsQuery(g *globals, q eventsQuery, out, errOut io.Writer) error {
	if q.since < 0 || q.limit < 0 {
		return exitError{2, "--since and --limit must not be negative"}
	}
	cq := cache.EventQuery{Cluster: q.cluster, Limit: q.limit}
	if q.class != "" {
		c, err := pks.ParseClass(q.class)
		if err != nil {
			return exitError{2, err.Error()}
		}
		cq.Class = string(c)
	}
	if q.since > 0 {
		cq.Since = time.Now().Add(-q.since)
	}
	store, err := app.OpenCache("")
	if err != nil {
		return fmt.Errorf("events are kept in the cache, which cannot be opened: %w", err)
	}
	defer store.Close()
	if err := checkEventsCluster(store, q.cluster); err != nil {
		return err
	}
	evs, err := store.Events(cq)
	if err != nil {
		return err
	}
	if g.jsonOut {
		list := make([]eventJSON, len(evs))
		for i := range evs {
			list[i] = storedEventJSON(&evs[i])
		}
		return writeJSONArray(out, list)
	}
	if len(evs) == 0 {
		fmt.Fprintln(errOut, "bosun: no events stored for this selection; 'bosun events listen' receives them")
	}
	return writeEventGroups(out, evs)
}

func storedEventJSON(e *cache.K8sEvent) eventJSON {
	return eventJSON{Time: e.Time, Cluster: e.Cluster, Deployment: e.Deployment, Namespace: e.Namespace, Object: e.Object,
		Class: e.Class, Reason: e.Reason, Message: e.Message, VMID: optString(e.VMID), Instance: optString(e.Instance)}
}

// checkEventsCluster refuses a cluster the cache knows by no name: not a
// cached PKS cluster (name or uuid), deployment, or the cluster of a
// stored event.
func checkEventsCluster(store *cache.Store, name string) error {
	if name == "" {
		return nil
	}
	clusters, err := store.KnownClusters("")
	if err != nil {
		return err
	}
	deps, err := store.KnownDeployments("")
	if err != nil {
		return err
	}
	for _, n := range append(clusters, deps...) {
		if n == name {
			return nil
		}
	}
	known := "none cached yet: run 'bosun clusters' once"
	if len(clusters) > 0 {
		known = "known: " + strings.Join(clusters[:min(len(clusters), 10)], ", ")
	}
	return exitError{exitFailed, fmt.Sprintf("no cluster %q (a name, uuid or service-instance_ deployment); %s", name, known)}
}

// writeEventGroups prints one row per cluster, namespace and object.
func writeEventGroups(w io.Writer, evs []cache.K8sEvent) error {
	gs := pks.NewGroups()
	gs.MaxGroups = len(evs) + 1
	for i := range evs {
		e := &evs[i]
		ev := pks.Event{Time: e.Time, Cluster: e.Cluster, Deployment: e.Deployment, Namespace: e.Namespace,
			Object: e.Object, Class: pks.Class(e.Class), Reason: e.Reason, Message: e.Message}
		gs.Add(&ev)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLASS\tCLUSTER\tNAMESPACE/OBJECT\tCOUNT\tFIRST\tLAST\tREASON\tLAST MESSAGE")
	for _, g := range gs.List() {
		fmt.Fprintf(tw, "%s %s\t%s\t%s/%s\t%d\t%s\t%s\t%s\t%s\n", classGlyph(g.Class), g.Class, dash(g.Cluster),
			dash(g.Namespace), dash(g.Object), g.Total, g.First.Local().Format("01-02 15:04:05"),
			g.Last.Local().Format("01-02 15:04:05"), dash(g.Reason), oneLine(g.Message))
	}
	fmt.Fprintf(tw, "\n%d events in %d groups%s\n", gs.Total(), gs.Len(), classSummary(gs.ClassCount))
	return tw.Flush()
}

// classGlyph marks a class for terminals without colour.
func classGlyph(c pks.Class) string {
	switch c {
	case pks.ClassNodeNotReady:
		return "✗"
	case pks.ClassOOMKilled, pks.ClassCrashLoop, pks.ClassImagePull:
		return "▲"
	case pks.ClassScheduling:
		return "◌"
	case pks.ClassStarted:
		return "●"
	}
	return "·"
}

// classSummary is ": 3 crash-loop, 1 image-pull, ..." for the classes seen.
func classSummary(count func(pks.Class) int) string {
	var parts []string
	for _, c := range pks.Classes {
		if n := count(c); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

func newEventsListenCmd(g *globals) *cobra.Command {
	var o listenOptions
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Be a PKS log sink: receive RFC 5424 frames over TCP or TLS, print and store the classified Kubernetes events",
		Long: "bosun events listen accepts the syslog traffic of PKS ClusterLogSinks/LogSinks (octet-counted\n" +
			"or newline-framed RFC 5424, over TCP or, with --tls-cert and --tls-key, TLS), classifies each\n" +
			"Kubernetes event, names the cluster's BOSH deployment from the cached director data, stores\n" +
			"the events in the cache and prints them, with --json one object per line. On exit (Ctrl-C,\n" +
			"--count or --duration) it prints a summary on stderr: events per class, pod log lines,\n" +
			"rejected frames and anything dropped.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEventsListen(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", pks.DefaultSinkAddr, "address to listen on (host:port; port 0 picks a free one)")
	f.StringVar(&o.cert, "tls-cert", "", "serve TLS with this certificate (PEM file); needs --tls-key")
	f.StringVar(&o.key, "tls-key", "", "private key of --tls-cert (PEM file)")
	f.IntVar(&o.maxFrame, "max-frame", pks.DefaultMaxFrame, "longest frame accepted, in bytes; longer ones are skipped and counted")
	f.IntVar(&o.queue, "queue", pks.DefaultQueue, "events waiting to be printed; beyond it they are dropped and counted")
	f.IntVar(&o.maxConns, "max-conns", pks.DefaultMaxConns, "connections held at once; a new one closes the one longest without a complete frame")
	f.IntVar(&o.maxPerSource, "max-conns-per-source", pks.DefaultMaxConnsPerSource, "connections held at once from one address; more are reset")
	f.BoolVar(&o.noStore, "no-store", false, "do not store the events in the cache")
	f.IntVar(&o.retainCount, "retain-count", cache.DefaultEventRetention.MaxCount, "keep at most this many events in the cache")
	f.DurationVar(&o.retainAge, "retain-age", cache.DefaultEventRetention.MaxAge, "keep events this long in the cache")
	f.IntVar(&o.count, "count", 0, "stop after this many events (0: run until interrupted)")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	return cmd
}

type listenOptions struct {
	addr, cert, key    string
	maxFrame, queue    int
	maxConns           int
	maxPerSource       int
	noStore            bool
	retainCount, count int
	retainAge          time.Duration
	duration           time.Duration
}

func (o listenOptions) tlsConfig() (*tls.Config, error) {
	if (o.cert == "") != (o.key == "") {
		return nil, exitError{2, "--tls-cert and --tls-key go together"}
	}
	if o.cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(o.cert, o.key)
	if err != nil {
		return nil, exitError{2, "TLS certificate: " + oneLine(err.Error())}
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

func runEventsListen(ctx context.Context, g *globals, o listenOptions, out, errOut io.Writer) error {
	if o.count < 0 || o.duration < 0 || o.retainCount < 0 || o.retainAge < 0 || o.maxFrame < 0 || o.queue < 0 {
		return exitError{2, "--count, --duration, --retain-*, --max-frame and --queue must not be negative"}
	}
	tc, err := o.tlsConfig()
	if err != nil {
		return err
	}
	store, cacheErr := app.OpenCache("")
	if store != nil {
		defer store.Close()
	}
	vms := listenVMIndex(ctx, g, store, errOut)
	if o.maxConns < 1 || o.maxPerSource < 1 {
		return exitError{2, "--max-conns and --max-conns-per-source must be at least 1"}
	}
	r, err := pks.Listen(pks.ReceiverConfig{Addr: o.addr, TLS: tc, MaxFrame: o.maxFrame, Queue: o.queue, VMs: vms,
		MaxConns: o.maxConns, MaxConnsPerSource: o.maxPerSource})
	if err != nil {
		return err
	}
	var w *cache.EventWriter
	switch {
	case o.noStore:
	case store == nil:
		fmt.Fprintln(errOut, "bosun: warning: events are not stored: cache unavailable: "+oneLine(cacheErr.Error()))
	default:
		w = cache.NewEventWriter(store, cache.EventWriterOptions{Retention: cache.EventRetention{MaxCount: o.retainCount, MaxAge: o.retainAge}})
	}
	proto := "TCP"
	if tc != nil {
		proto = "TLS"
	}
	fmt.Fprintf(errOut, "bosun: listening for PKS sink traffic on %s (%s); Ctrl-C stops\n", r.Addr(), proto)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	var timeout <-chan time.Time
	if o.duration > 0 {
		timer := time.NewTimer(o.duration)
		defer timer.Stop()
		timeout = timer.C
	}
	p := newEventPrinter(out, g.jsonOut)
	seen := map[pks.Class]int{}
	total := 0
	take := func(ev pks.Event) {
		total++
		seen[ev.Class]++
		p.print(&ev)
		if w != nil {
			w.Add(toStored(&ev))
		}
	}
loop:
	for o.count == 0 || total < o.count {
		select {
		case ev := <-r.Events():
			take(ev)
		case <-sig:
			break loop
		case <-timeout:
			break loop
		}
	}
	r.Close()
	// What was already received is printed and stored too (past --count
	// as well): nothing received is lost on the way out.
	for ev := range r.Events() {
		take(ev)
	}
	p.flush()
	var ws cache.EventWriterStats
	if w != nil {
		w.Close()
		ws = w.Stats()
	}
	writeListenSummary(errOut, r.Stats(), ws, w != nil, seen, r.Rejections())
	if ws.LastErr != nil {
		return fmt.Errorf("storing events: %w", ws.LastErr)
	}
	return nil
}

// listenVMIndex indexes the cluster VMs of the cached director data, or,
// with nothing cached and a director at hand, of a live listing, and the
// cached PKS cluster names.
func listenVMIndex(ctx context.Context, g *globals, store *cache.Store, errOut io.Writer) *pks.VMIndex {
	s, err := openSession(g)
	if err != nil {
		fmt.Fprintln(errOut, "bosun: note: no director to map VMs to deployments ("+oneLine(err.Error())+"); clusters are named by HOSTNAME")
		return nil
	}
	defer s.close()
	x := pks.NewVMIndex(clusterVMs(ctx, s, store, errOut))
	if store != nil {
		if info, _, err := store.DirectorFor(s.CacheKey()); err == nil {
			if clusters, _, _, err := store.Clusters(info.UUID); err == nil {
				names := map[string]string{}
				for _, c := range clusters {
					names[c.Name] = c.Deployment()
				}
				x.AddClusters(names)
			}
		}
	}
	if x.Len() == 0 {
		fmt.Fprintln(errOut, "bosun: note: no cluster VMs known; run 'bosun instances' once so events name their deployments")
	}
	return x
}

// clusterVMs lists the VMs of the director's instances from the cache, or
// live (the cheap listing of the service-instance_ deployments) when
// nothing is cached.
func clusterVMs(ctx context.Context, s *session, store *cache.Store, errOut io.Writer) []pks.VM {
	var vms []pks.VM
	add := func(dep, name, cid string, ips []string) {
		vms = append(vms, pks.VM{Deployment: dep, Instance: name, CID: cid, IPs: ips})
	}
	if store != nil {
		if info, _, err := store.DirectorFor(s.CacheKey()); err == nil {
			if insts, _, err := store.AllInstances(info.UUID); err == nil {
				for _, in := range insts {
					add(in.Deployment, in.Name, in.VMCID, in.IPs)
				}
			}
		}
	}
	if len(vms) > 0 || s.Client == nil {
		return vms
	}
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	deps, err := s.Client.Deployments(lctx)
	for _, d := range deps {
		if !strings.HasPrefix(d.Name, pks.ClusterDeploymentPrefix) {
			continue
		}
		insts, ierr := s.Client.Instances(lctx, d.Name)
		if ierr != nil {
			err = ierr
			continue
		}
		for _, in := range insts {
			add(d.Name, in.Name, in.VMCID, in.IPs)
		}
	}
	if err != nil {
		fmt.Fprintln(errOut, "bosun: note: cluster VMs not fully listed: "+oneLine(err.Error()))
	}
	return vms
}

func toStored(ev *pks.Event) cache.K8sEvent {
	return cache.K8sEvent{Time: ev.Time, Received: ev.Received, Cluster: ev.Cluster, Deployment: ev.Deployment,
		Instance: ev.Instance, Namespace: ev.Namespace, Object: ev.Object, VMID: ev.VMID, Class: string(ev.Class),
		Reason: ev.Reason, Message: ev.Message, Raw: ev.Raw}
}

func writeListenSummary(w io.Writer, st pks.Stats, ws cache.EventWriterStats, stored bool, seen map[pks.Class]int, rej []pks.Rejection) {
	fmt.Fprintf(w, "bosun: %d events from %d connections%s\n", st.Events, st.Connections,
		classSummary(func(c pks.Class) int { return seen[c] }))
	fmt.Fprintf(w, "bosun: %d frames: %d events, %d pod log lines, %d other senders' messages, %d rejected (%d oversized, %d truncated), %d recovered from a wrong octet count, %d with invalid UTF-8 repaired\n",
		st.Frames, st.Events, st.PodLogs, st.OtherApps, st.Rejected, st.Oversized, st.Truncated, st.Recounted, st.NonUTF8)
	if st.Dropped > 0 || st.Refused > 0 || st.IdleTimeouts > 0 || st.Evicted > 0 {
		fmt.Fprintf(w, "bosun: warning: %d events dropped (queue full), %d connections refused (%d over the per-address limit), %d closed to make room, %d closed for silence\n",
			st.Dropped, st.Refused, st.SourceRefused, st.Evicted, st.IdleTimeouts)
	}
	if stored {
		fmt.Fprintf(w, "bosun: %d events stored in the cache, %d pruned by retention", ws.Written, ws.Pruned)
		if ws.Dropped > 0 || ws.Failed > 0 {
			fmt.Fprintf(w, "; warning: %d not stored (writer queue full), %d lost to a failed write", ws.Dropped, ws.Failed)
		}
		fmt.Fprintln(w)
	}
	if len(rej) > 0 {
		last := rej[len(rej)-1]
		what := "frame"
		if k := last.Err.Kind; k == pks.ConnSourceLimit || k == pks.ConnEvicted {
			what = "connection"
		}
		fmt.Fprintf(w, "bosun: last rejected %s from %s: %s\n", what, last.Peer, oneLine(last.Err.Error()))
	}
}

// eventPrinter writes events as they come: a JSON object per line, or a
// text line.
type eventPrinter struct {
	w    io.Writer
	json bool
	err  error
}

func newEventPrinter(w io.Writer, asJSON bool) *eventPrinter {
	return &eventPrinter{w: w, json: asJSON}
}

func (p *eventPrinter) print(ev *pks.Event) {
	if p.err != nil {
		return
	}
	if p.json {
		e := eventJSON{Time: ev.Time, Cluster: ev.Cluster, Deployment: ev.Deployment, Namespace: ev.Namespace,
			Object: ev.Object, Class: string(ev.Class), Reason: ev.Reason, Message: ev.Message, VMID: optString(ev.VMID), Instance: optString(ev.Instance)}
		p.err = writeJSONLine(p.w, e)
		return
	}
	_, p.err = fmt.Fprintf(p.w, "%s  %s %-14s  %s  %s/%s  %s  %s\n", ev.Time.Local().Format("15:04:05.000"), classGlyph(ev.Class),
		ev.Class, dash(ev.Cluster), dash(ev.Namespace), dash(ev.Object), dash(ev.Reason), oneLine(ev.Message))
}

func (p *eventPrinter) flush() {
	if p.err != nil && !errors.Is(p.err, os.ErrClosed) {
		fmt.Fprintln(os.Stderr, "bosun: warning: printing events: "+oneLine(p.err.Error()))
	}
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
