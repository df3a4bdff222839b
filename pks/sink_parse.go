package pks

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	syslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

// SDID is the structured-data element PKS sinks put on every message.
const SDID = "kubernetes@47450"

// Kinds of syslog messages a sink carries.
const (
	AppEvent  = "k8s.event" // APP-NAME prefix of Kubernetes API events
	AppPodLog = "pod.log"   // APP-NAME prefix of container log lines
)

// frameKind says what a parsed frame was.
type frameKind int

const (
	kindEvent  frameKind = iota
	kindPodLog           // a container log line: counted, not an event
	kindOther            // a well-formed message of another sender
)

// parser turns one frame into an Event. It is not safe for concurrent
// use: each connection has its own.
type parser struct {
	m syslog.Machine
}

func newParser() *parser { return &parser{m: rfc5424.NewMachine(rfc5424.WithBestEffort())} }

var errNoHeader = errors.New("no RFC 5424 header")

// parse reads frame as an RFC 5424 message. ev gets the header, the
// kubernetes@47450 parameters and the message; the caller classifies and
// maps it. A frame that is not RFC 5424 gives a *FrameError.
func (p *parser) parse(frame []byte, ev *Event) (frameKind, *FrameError) {
	msg, err := p.m.Parse(frame)
	sm, _ := msg.(*rfc5424.SyslogMessage)
	if sm == nil || !sm.Valid() {
		if err == nil {
			err = errNoHeader
		}
		return kindOther, &FrameError{Kind: FrameBadSyslog, Detail: err.Error(), Raw: excerpt(frame)}
	}
	app := ""
	if sm.Appname != nil {
		app = *sm.Appname
	}
	kind := kindOther
	switch {
	case strings.HasPrefix(app, AppEvent):
		kind = kindEvent
	case strings.HasPrefix(app, AppPodLog):
		// Pod labels may break RFC 5424's parameter rules (names over 32
		// characters); the header is enough to know it is a log line.
		return kindPodLog, nil
	}
	if err != nil {
		return kind, &FrameError{Kind: FrameBadSyslog, Detail: err.Error(), Raw: excerpt(frame)}
	}
	if kind != kindEvent {
		return kind, nil
	}
	if sm.Timestamp != nil {
		ev.Time = *sm.Timestamp
	}
	if sm.Hostname != nil {
		ev.Cluster = *sm.Hostname
	}
	if sm.StructuredData != nil {
		if params, ok := (*sm.StructuredData)[SDID]; ok {
			ev.Namespace = params["namespace_name"]
			ev.Object = params["object_name"]
			ev.VMID = params["vm_id"]
		}
	}
	if ev.Namespace == "" && ev.Object == "" {
		// No structured data: fall back on APP-NAME, whose pod part may
		// have been cut at 48 bytes.
		parts := strings.SplitN(app, "/", 4)
		if len(parts) > 1 {
			ev.Namespace = parts[1]
		}
		if len(parts) > 2 {
			ev.Object = parts[2]
		}
	}
	if sm.Message != nil {
		ev.Message = strings.TrimRight(*sm.Message, "\r\n")
	}
	if !utf8.ValidString(ev.Message) {
		ev.Message = strings.ToValidUTF8(ev.Message, "\uFFFD")
		ev.NonUTF8 = true
	}
	return kindEvent, nil
}

// rawText is a frame as text for the detail pane: invalid UTF-8 replaced,
// the trailing newline dropped.
func rawText(frame []byte) string {
	s := strings.TrimRight(string(frame), "\r\n")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// Parse reads one frame's RFC 5424 message (without its octet count) into
// a classified Event. It is for tools and tests; the receiver keeps one
// parser per connection.
func Parse(frame []byte) (Event, error) {
	var ev Event
	kind, ferr := newParser().parse(frame, &ev)
	if ferr != nil {
		return ev, ferr
	}
	if kind != kindEvent {
		return ev, &FrameError{Kind: FrameNotSyslog, Detail: "not a Kubernetes event (APP-NAME does not start with k8s.event)"}
	}
	finish(&ev, frame, time.Now())
	return ev, nil
}

// finish classifies a parsed event and fills what is derived.
func finish(ev *Event, frame []byte, now time.Time) {
	ev.Class, ev.Reason = Classify(ev.Message)
	ev.Received = now
	if ev.Time.IsZero() {
		ev.Time = now
	}
	ev.Raw = rawText(frame)
}
