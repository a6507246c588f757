//go:build linux

package main

// The network through the supervisor (--allow-host, Codex's managed-proxy
// routes): the command runs in the namespace engine's network namespace,
// whose only interface is its loopback, and the one way out is a listening
// socket on that loopback that the supervisor, outside, accepts on.
//
// Getting the listener across. The inner stage (PID 1 in the namespaces)
// creates it, bound to 127.0.0.1, before it confines itself, and sends it
// to the outer over a socketpair with SCM_RIGHTS (unix(7)), then closes
// its own copy: the command never holds it (it is close-on-exec anyway).
// A socket belongs to the network namespace it was created in, whoever
// holds it later, so the supervisor's accept takes connections from inside
// while its own connections go out in the host's namespace. The other ways
// are worse: setns(2) into the sandbox's network namespace needs
// CAP_SYS_ADMIN in the caller's own user namespace, which an unprivileged
// caller does not have, and pidfd_getfd(2) needs ptrace rights over the
// inner stage, which Yama's ptrace_scope 2 and 3 refuse.
//
// The port is an ephemeral one the kernel picks in the new namespace (the
// namespace is empty, so it is free, and a command's own test server is
// unlikely to want it), announced through the proxy variables.
//
// The proxy (proxyServer) is the only code of the supervisor facing the
// command's input, and the supervisor is not confined: the request head is
// read with bounded lines and size under a deadline (proxy_http.go), every
// connection's goroutine recovers from a panic by closing that connection,
// and a panic that got past that would end the supervisor, whose death
// kills the whole sandbox (PDEATHSIG): the command never runs on
// unsupervised.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// innerProxyFD is the inner stage's end of the socketpair the listeners
// cross, given to it only when the policy needs a proxy.
const innerProxyFD = 5

// engageProxied runs a policy that needs the proxy: on the namespace
// engine or not at all (it never falls back to the exec-only engine, which
// would have to choose between no network and all of it).
func engageProxied(p Policy, cmd []string) error {
	what := proxyFlag(p)
	if p.Engine == EngineExecOnly {
		return &setupError{fmt.Errorf("%s needs the namespace engine (a network namespace whose only way out is the proxy); --exec-only cannot give it", what)}
	}
	err := engageNamespace(p, cmd)
	var un *nsUnavailable
	if errors.As(err, &un) {
		return &setupError{fmt.Errorf("%s needs the namespace engine, which is unavailable on this host (%v); %s", what, un.err, proxyFix(un))}
	}
	return err
}

// proxyFlag names the option that asked for the proxy: the generic
// --allow-host, or Codex's --allow-network-for-proxy (routes only).
func proxyFlag(p Policy) string {
	if len(p.AllowHosts) == 0 {
		return "--allow-network-for-proxy"
	}
	return "--allow-host"
}

// proxyFix is the way to run a proxied policy where namespaces are
// unavailable: the namespace engine's fix without its "or run with
// --exec-only", which refuses the proxy (engageProxied).
func proxyFix(un *nsUnavailable) string {
	fix, _ := strings.CutSuffix(un.fix(), ", or run with --exec-only")
	return fix + " (the exec-only engine gives all of the network, --network, or none, without --allow-host)"
}

// ---------------------------------------------------------------------
// The outer's end: the socketpair, then the listeners it brings.

// proxyHandoff is the outer's side of the listeners' crossing.
type proxyHandoff struct {
	outer, child int
}

// newProxyHandoff makes the socketpair when p needs a proxy; nil when not.
func newProxyHandoff(p Policy) (*proxyHandoff, error) {
	if !needsProxy(p) {
		return nil, nil
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &setupError{fmt.Errorf("proxy: socketpair: %w", err)}
	}
	h := &proxyHandoff{outer: fds[0], child: fds[1]}
	for _, fd := range []*int{&h.outer, &h.child} {
		if *fd, err = fdAbove2(*fd); err != nil {
			h.close()
			return nil, &setupError{fmt.Errorf("proxy: %w", err)}
		}
	}
	return h, nil
}

// files adds the inner's end to the inner stage's descriptors, at
// innerProxyFD.
func (h *proxyHandoff) files(files []uintptr) []uintptr {
	if h == nil {
		return files
	}
	for len(files) < innerProxyFD {
		files = append(files, ^uintptr(0))
	}
	return append(files, uintptr(h.child))
}

// forked closes the inner's end in the outer, once the inner has it.
func (h *proxyHandoff) forked() {
	if h != nil && h.child >= 0 {
		unix.Close(h.child)
		h.child = -1
	}
}

func (h *proxyHandoff) close() {
	if h == nil {
		return
	}
	h.forked()
	if h.outer >= 0 {
		unix.Close(h.outer)
		h.outer = -1
	}
}

// start takes the listeners the inner sent before "ready" and serves
// them: the --allow-host proxy first, then each route's, in p's order.
func (h *proxyHandoff) start(p Policy) error {
	if h == nil {
		return nil
	}
	defer h.close()
	buf := make([]byte, 512)
	oob := make([]byte, unix.CmsgSpace(64*4))
	n, oobn, _, _, err := unix.Recvmsg(h.outer, buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return fmt.Errorf("proxy: receiving the listeners from the namespace stage: %w", err)
	}
	var fds []int
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	for _, m := range msgs {
		got, err := unix.ParseUnixRights(&m)
		if err == nil {
			fds = append(fds, got...)
		}
	}
	labels := strings.Fields(string(buf[:n]))
	if err != nil || len(labels) != len(fds) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return fmt.Errorf("proxy: the namespace stage sent %d listeners for %d labels (%v)", len(fds), len(labels), err)
	}
	listeners := make([]*sockListener, len(fds))
	for i, fd := range fds {
		l, err := newSockListener(fd)
		if err != nil {
			for _, l := range listeners[:i] {
				l.close()
			}
			for _, fd := range fds[i+1:] {
				unix.Close(fd)
			}
			return fmt.Errorf("proxy: listener %s: %w", labels[i], err)
		}
		listeners[i] = l
	}
	srv := &proxyServer{allow: allowList(p.AllowHosts), slots: make(chan struct{}, proxyMaxConns)}
	for i, l := range listeners {
		label := labels[i]
		if label == "allow" {
			go srv.serve(l, srv.handle)
			continue
		}
		k, err := strconv.Atoi(strings.TrimPrefix(label, "route"))
		if err != nil || k < 0 || k >= len(p.ProxyRoutes) {
			return fmt.Errorf("proxy: unknown listener %q", label)
		}
		route := p.ProxyRoutes[k]
		go srv.serve(l, func(c *sockConn) { srv.forward(c, route) })
	}
	return nil
}

// ---------------------------------------------------------------------
// The inner's end: listeners on the sandbox's loopback, and the variables.

// handOverListeners creates the listeners p needs in this (the sandbox's)
// network namespace, sends them to the outer and closes them here, and
// sets the proxy variables the command will inherit. The inner stage calls
// it after the loopback is up, before "ready".
func handOverListeners(p Policy) error {
	if !needsProxy(p) {
		return nil
	}
	if _, err := unix.FcntlInt(innerProxyFD, unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return fmt.Errorf("proxy: descriptor %d: %w", innerProxyFD, err)
	}
	defer unix.Close(innerProxyFD)
	var fds []int
	var labels []string
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	if len(p.AllowHosts) > 0 {
		fd, port, err := listenLoopback(addrPortFrom(addrFrom4([4]byte{127, 0, 0, 1}), 0))
		if err != nil {
			return err
		}
		fds, labels = append(fds, fd), append(labels, "allow")
		for k, v := range proxyEnv(p, port) {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("proxy: setenv %s: %w", k, err)
			}
		}
	}
	// One listener per address: routes that name one port twice
	// (127.0.0.1:P and localhost:P, [::1]:P and localhost:P) share it,
	// and the first route's forwarding serves it (both start with the
	// same address outside).
	bound := map[addrPort]bool{}
	for i, r := range p.ProxyRoutes {
		for j, a := range r.addrs() {
			if bound[a] {
				continue
			}
			bound[a] = true
			fd, _, err := listenLoopback(a)
			if err != nil && j > 0 && r.Host == "localhost" {
				continue // localhost's ::1 where IPv6 is off: 127.0.0.1 serves
			}
			if err != nil {
				return err
			}
			fds, labels = append(fds, fd), append(labels, "route"+strconv.Itoa(i))
		}
	}
	if err := unix.Sendmsg(innerProxyFD, []byte(strings.Join(labels, " ")), unix.UnixRights(fds...), nil, 0); err != nil {
		return fmt.Errorf("proxy: sending the listeners to the supervisor: %w", err)
	}
	return nil
}

// listenLoopback is a close-on-exec TCP listener at a (port 0: one the
// kernel picks) and its port.
func listenLoopback(a addrPort) (fd int, port uint16, err error) {
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: a.Addr().As4(), Port: int(a.Port())}
	if a.Addr().Is6() {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Addr: a.Addr().As16(), Port: int(a.Port())}
	}
	fd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, fmt.Errorf("proxy: socket for %v: %w", a, err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("proxy: bind %v in the sandbox's network namespace: %w", a, err)
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("proxy: listen on %v: %w", a, err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("proxy: getsockname: %w", err)
	}
	switch s := got.(type) {
	case *unix.SockaddrInet4:
		port = uint16(s.Port)
	case *unix.SockaddrInet6:
		port = uint16(s.Port)
	}
	return fd, port, nil
}

// proxyEnvKeys are the variables that name a proxy, as tools read them.
// curl reads http_proxy only in lower case (HTTP_PROXY is a CGI header),
// most others either. The caller's own values of these are replaced:
// whatever proxy they named is out of reach from inside.
var proxyEnvKeys = []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"}

// callerProxyKeys are the other variables (Codex's list, spec 4.4) that
// name a proxy for one tool; set by the caller, they are pointed at ours.
var callerProxyKeys = []string{"FTP_PROXY", "YARN_HTTP_PROXY", "YARN_HTTPS_PROXY", "NPM_CONFIG_HTTP_PROXY",
	"NPM_CONFIG_HTTPS_PROXY", "NPM_CONFIG_PROXY", "BUNDLE_HTTP_PROXY", "BUNDLE_HTTPS_PROXY", "PIP_PROXY",
	"DOCKER_HTTP_PROXY", "DOCKER_HTTPS_PROXY"}

// proxyEnv is the environment that points the command at the proxy on
// port. NO_PROXY keeps the sandbox's own loopback direct (a test server
// and its client, inside), except an address the allow list names, which
// then means the host's. NODE_USE_ENV_PROXY=1 makes Node's fetch (Node
// 24+) read the variables.
func proxyEnv(p Policy, port uint16) map[string]string {
	url := "http://127.0.0.1:" + strconv.Itoa(int(port))
	env := map[string]string{"NODE_USE_ENV_PROXY": "1"}
	for _, k := range proxyEnvKeys {
		env[k] = url
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		for _, ck := range callerProxyKeys {
			if strings.EqualFold(k, ck) {
				env[k] = url
			}
		}
	}
	var direct []string
	l := allowList(p.AllowHosts)
	if !l.listsName("localhost") {
		direct = append(direct, "localhost")
	}
	for _, a := range []ipAddr{addrFrom4([4]byte{127, 0, 0, 1}), ipv6Loopback()} {
		if !l.listsAddrAnyPort(a) {
			direct = append(direct, a.String())
		}
	}
	env["NO_PROXY"] = strings.Join(direct, ",")
	env["no_proxy"] = env["NO_PROXY"]
	return env
}

// ---------------------------------------------------------------------
// The proxy

// Bounds on what the command can make the supervisor do.
const (
	proxyMaxConns    = 512              // connections served at once; more wait in the backlog
	proxyHeadTimeout = 30 * time.Second // to send a request head
	proxyDialTimeout = 30 * time.Second // to resolve and connect, all addresses together
	maxRefusalLines  = 256              // distinct refusals said on stderr
	maxRefusedShown  = 3                // refused addresses named in one refusal
	proxyDrainTime   = 2 * time.Second  // answerAndClose: to send and drain
	proxyDrainMax    = 1 << 20          // answerAndClose: bytes drained at most
	proxyIdleMax     = 10 * time.Minute // a connection with nothing either way for this long is closed
)

// proxyServer is the supervisor's proxy and route forwarder.
type proxyServer struct {
	allow allowList
	slots chan struct{}
	// For the tests: resolve and dial (nil: the system's); say prints
	// refusal lines (nil: stderr).
	resolve func(name string, deadline time.Time) ([]ipAddr, error)
	dial    func(a addrPort, deadline time.Time) (*sockConn, error)
	say     func(line string)
	idle    time.Duration // proxyIdleMax unless set

	mu      sync.Mutex
	refused map[string]bool
}

// serve accepts on l until it fails, each connection to handle in a
// goroutine of its own that survives its own panic.
func (s *proxyServer) serve(l *sockListener, handle func(*sockConn)) {
	defer l.close()
	for {
		s.slots <- struct{}{}
		c, err := l.accept()
		if err != nil {
			<-s.slots
			if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) || errors.Is(err, unix.ECONNABORTED) || errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.ENOMEM) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return
		}
		go func() {
			defer func() {
				c.Close()
				<-s.slots
				if r := recover(); r != nil {
					errorf("proxy: internal error, connection dropped: %v", r)
				}
			}()
			handle(c)
		}()
	}
}

// handle serves one connection of the --allow-host proxy.
func (s *proxyServer) handle(c *sockConn) {
	c.setReadDeadline(time.Now().Add(proxyHeadTimeout))
	cr := &idleReader{c: c}
	br := bufio.NewReaderSize(cr, proxyLineMax)
	req, err := readProxyRequest(br)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			answerAndClose(c, errorResponse(he.status, he.msg))
		}
		return
	}
	c.setReadDeadline(time.Time{})
	up, status, why := s.connect(req.target, time.Now().Add(proxyDialTimeout))
	if up == nil {
		if status == 403 {
			s.refusal(req.target.String(), why)
		}
		answerAndClose(c, errorResponse(status, fmt.Sprintf("proxy refused %s: %s", req.target, why)))
		return
	}
	defer up.Close()
	if !req.connect {
		cr.k = newIdleClock(s.idleMax())
		relayOne(c, up, br, req, cr.k)
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	// What the client sent past the head (a TLS hello, a request body).
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		if _, err := up.Write(b); err != nil {
			return
		}
	}
	pipeBoth(c, up, s.idleMax())
}

// idleMax is how long a connection may carry nothing either way.
func (s *proxyServer) idleMax() time.Duration {
	if s.idle > 0 {
		return s.idle
	}
	return proxyIdleMax
}

// relayOne sends a plain request to the server, its head as the proxy
// wrote it and its body as framed, and the server's response back, and
// then ends: whatever the client sends after that request (a pipelined
// second one, with a Host of its choosing, for another site at the same
// address) is read and dropped, never forwarded.
//
// k watches both ways (br reads c through it): the exchange ends once
// neither the body nor the response has moved for its idle time.
func relayOne(c, up *sockConn, br *bufio.Reader, req proxyRequest, k *idleClock) {
	if _, err := k.write(up, req.head); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { recover() }() // a panic here must not end the supervisor
		copyConn(c, up, k)
		c.closeWrite()
		// The response is over: a body the client is still sending is
		// not waited for.
		k.stop()
		c.setReadDeadline(time.Now())
		up.setWriteDeadline(time.Now())
	}()
	copyBody(idleWriter{up, k}, br, req.body)
	<-done
	drainInput(c)
}

// answerAndClose sends a response to a request that was not read whole,
// then reads what the client still sends, for a while and up to a bound,
// before the caller closes: closing with unread input makes the kernel
// send a reset, which can destroy the response before the client reads
// it (as net/http's closeWriteAndWait avoids).
func answerAndClose(c *sockConn, resp []byte) {
	c.setDeadline(time.Now().Add(proxyDrainTime))
	if _, err := c.Write(resp); err != nil {
		return
	}
	c.closeWrite()
	drainInput(c)
}

// drainInput reads and drops what the client still sends, for a while and up
// to a bound, once the proxy has said all it will (and sent FIN).
func drainInput(c *sockConn) {
	c.setDeadline(time.Now().Add(proxyDrainTime))
	buf := make([]byte, 16<<10)
	for total := 0; total < proxyDrainMax; {
		n, err := c.Read(buf)
		total += n
		if err != nil {
			return
		}
	}
}

// refusal says once on stderr that the proxy refused target, and why.
func (s *proxyServer) refusal(target, why string) {
	s.mu.Lock()
	if s.refused == nil {
		s.refused = map[string]bool{}
	}
	key := target + " " + why
	first := !s.refused[key] && len(s.refused) < maxRefusalLines
	if first {
		s.refused[key] = true
	}
	s.mu.Unlock()
	if !first {
		return
	}
	line := fmt.Sprintf("proxy refused %s (%s)", target, why)
	if s.say != nil {
		s.say(line)
		return
	}
	errorf("%s", line)
}

// connect checks target and connects to it: the connection, or nil with
// the status to answer and why.
func (s *proxyServer) connect(r hostRequest, deadline time.Time) (*sockConn, int, string) {
	var addrs []ipAddr
	if r.addr.IsValid() {
		if !s.allow.listsAddr(r.addr, r) {
			return nil, 403, "not in --allow-host" + s.tunnel80Hint(r)
		}
		addrs = []ipAddr{r.addr}
	} else {
		if !s.allow.matchName(r) {
			return nil, 403, "not in --allow-host" + s.tunnel80Hint(r)
		}
		resolve := s.resolve
		if resolve == nil {
			resolve = lookupHost
		}
		found, err := resolve(r.name, deadline)
		if err != nil {
			return nil, 502, fmt.Sprintf("cannot resolve %s: %v", r.name, err)
		}
		var refused []string
		for _, a := range found {
			a = a.Unmap()
			if why := s.allowedAddr(a, r); why != "" {
				refused = append(refused, a.String()+", "+why)
				continue
			}
			addrs = append(addrs, a)
		}
		if len(addrs) == 0 {
			if len(refused) == 0 {
				return nil, 502, "cannot resolve " + r.name + ": no address"
			}
			if len(refused) > maxRefusedShown {
				// A DNS answer can hold thousands: the line on stderr,
				// the 403's body and the refusal's key stay short.
				refused = append(refused[:maxRefusedShown], fmt.Sprintf("and %d more", len(refused)-maxRefusedShown))
			}
			return nil, 403, "resolves to " + strings.Join(refused, "; ") + ", which --allow-host does not list"
		}
	}
	dial := s.dial
	if dial == nil {
		dial = func(a addrPort, deadline time.Time) (*sockConn, error) {
			return dialSock(unix.SOCK_STREAM, a, deadline)
		}
	}
	var last error
	for _, a := range addrs {
		c, err := dial(addrPortFrom(a, r.port), deadline)
		if err == nil && !r.addr.IsValid() && !s.allow.listsAddr(a, r) && c.connectedToSelf() {
			c.Close()
			return nil, 403, fmt.Sprintf("resolves to %v, an address of this machine, which --allow-host does not list", a)
		}
		if err == nil {
			return c, 0, ""
		}
		last = err
	}
	if errors.Is(last, errTimeout) {
		return nil, 504, fmt.Sprintf("connecting to %s timed out", r)
	}
	return nil, 502, fmt.Sprintf("cannot connect to %s: %v", r, last)
}

// allowedAddr decides one address a name resolved to, as
// allowList.allowedAddr, and refuses as well an address of this machine
// that is not listed: a public address of the host's, or any of its global
// IPv6 ones, would otherwise open the user's services that listen on
// every address (0.0.0.0, [::]).
func (s *proxyServer) allowedAddr(a ipAddr, r hostRequest) string {
	if s.allow.listsAddr(a, r) {
		return ""
	}
	why := s.allow.allowedAddr(a, r)
	if a.IsLoopback() || a.IsUnspecified() {
		return why
	}
	local, err := thisMachine(a)
	switch {
	case err != nil:
		return fmt.Sprintf("cannot tell whether it is an address of this machine: %v", err)
	case local && why != "":
		return "an address of this machine, " + why
	case local:
		return "an address of this machine"
	}
	return why
}

// tunnel80Hint explains a refused CONNECT to port 80 that a plain request
// would have been allowed: a pattern without :PORT tunnels only to 443.
func (s *proxyServer) tunnel80Hint(r hostRequest) string {
	plain := r
	plain.tunnel = false
	if !r.tunnel || r.port != 80 || !(r.addr.IsValid() && s.allow.listsAddr(r.addr, plain) || !r.addr.IsValid() && s.allow.matchName(plain)) {
		return ""
	}
	return fmt.Sprintf("; without :PORT a host allows CONNECT to 443 only: list %s to tunnel to port 80", r)
}

// forward carries a connection of a route to the caller's endpoint.
func (s *proxyServer) forward(c *sockConn, r ProxyRoute) {
	var last error
	for _, a := range r.addrs() {
		up, err := dialSock(unix.SOCK_STREAM, a, time.Now().Add(proxyDialTimeout))
		if err == nil {
			defer up.Close()
			pipeBoth(c, up, s.idleMax())
			return
		}
		last = err
	}
	s.refusal(r.String(), fmt.Sprintf("the proxy endpoint outside is not answering: %v", last))
}

// pipeBoth copies each way until both ends are done, passing each end's
// close on as a half-close, or until nothing has gone either way for
// idle: a tunnel left open and silent holds one of the proxyMaxConns
// slots, and enough of them would make every new request wait.
func pipeBoth(a, b *sockConn, idle time.Duration) {
	k := newIdleClock(idle)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { recover() }() // a panic here must not end the supervisor
		copyConn(b, a, k)
		b.closeWrite()
	}()
	copyConn(a, b, k)
	a.closeWrite()
	<-done
}

// idleClock is when a connection's streams last moved, shared by both
// directions: a connection is idle when neither has.
type idleClock struct {
	idle    time.Duration
	last    atomic.Int64 // Unix nanoseconds
	stopped atomic.Bool
}

func newIdleClock(idle time.Duration) *idleClock {
	k := &idleClock{idle: idle}
	k.touch()
	return k
}

func (k *idleClock) touch() { k.last.Store(time.Now().UnixNano()) }
func (k *idleClock) stop()  { k.stopped.Store(true) }

// expiry is when the connection is idle unless something moves first
// (the past once stopped).
func (k *idleClock) expiry() time.Time {
	if k.stopped.Load() {
		return time.Unix(1, 0)
	}
	return time.Unix(0, k.last.Load()).Add(k.idle)
}

// read reads c as a stream of a connection k watches: until something
// comes, c ends, or the connection is idle (os.ErrDeadlineExceeded).
func (k *idleClock) read(c *sockConn, b []byte) (int, error) {
	for {
		c.setReadDeadline(k.expiry())
		n, err := c.Read(b)
		if n > 0 {
			k.touch()
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && n == 0 && time.Now().Before(k.expiry()) {
			continue // the other direction moved meanwhile
		}
		return n, err
	}
}

// write writes b to c, giving up once it has waited idle for the peer.
func (k *idleClock) write(c *sockConn, b []byte) (int, error) {
	if k.stopped.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	c.setWriteDeadline(time.Now().Add(k.idle))
	n, err := c.Write(b)
	k.touch()
	return n, err
}

// idleReader reads a connection through k, once set (the request head
// is read under its own deadline, proxyHeadTimeout).
type idleReader struct {
	c *sockConn
	k *idleClock
}

func (r *idleReader) Read(b []byte) (int, error) {
	if r.k == nil {
		return r.c.Read(b)
	}
	return r.k.read(r.c, b)
}

// idleWriter writes a connection through k.
type idleWriter struct {
	c *sockConn
	k *idleClock
}

func (w idleWriter) Write(b []byte) (int, error) { return w.k.write(w.c, b) }

// copyConn copies src to dst until src ends, either fails, or the
// connection k watches is idle. (io.Copy would look for ReaderFrom and
// WriterTo on *os.File and try copy_file_range and sendfile first.)
func copyConn(dst, src *sockConn, k *idleClock) {
	buf := make([]byte, 32<<10)
	for {
		n, err := k.read(src, buf)
		if n > 0 {
			if _, werr := k.write(dst, buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// chooseProxyEngine is chooseEngine (--print-policy) for a policy that
// needs the proxy: the namespace engine or a refusal, as engageProxied.
func chooseProxyEngine(p Policy) (ns bool, why string, err error) {
	what := proxyFlag(p)
	if p.Engine == EngineExecOnly {
		return false, "exec-only asked for", fmt.Errorf("%s needs the namespace engine; --exec-only cannot give it", what)
	}
	why = "namespace: required by " + what + " (the network only through the supervisor's proxy)"
	if perr := probeNamespaces(false); perr != nil {
		un := &nsUnavailable{perr}
		return true, why, fmt.Errorf("%s needs the namespace engine, which is unavailable on this host (%v); %s", what, perr, proxyFix(un))
	}
	return true, why, nil
}
