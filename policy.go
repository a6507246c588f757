package main

// Policy is the one value every front-end produces (the generic flags, each
// Codex dialect) and every engine consumes (Landlock + seccomp on Linux,
// Seatbelt on macOS). It carries no behaviour of its own: front-ends fill it
// in, engines turn it into kernel state. Paths are absolute and clean.
type Policy struct {
	// FullDiskWrite lifts every filesystem write restriction (Codex's
	// danger-full-access and external-sandbox). WritableRoots is then unused.
	FullDiskWrite bool

	// WritableRoots are the trees the command may write beneath, in the order
	// the front-end produced them. /dev/null is always writable and is not
	// listed here: every engine adds it.
	WritableRoots []WritableRoot

	// ReadRoots, when non-nil, restricts reads to these trees (Codex's
	// restricted read access). nil means the whole filesystem is readable.
	// Landlock engines refuse a non-nil value they cannot honour.
	ReadRoots []string

	// Network allows the network. When false the command reaches no socket
	// outside the sandbox: no IP traffic, no netlink, no UNIX socket that
	// was not created inside.
	Network bool

	// AllowHosts, with Network false, lets the command reach these hosts
	// and nothing else, through an HTTP proxy that the namespace engine's
	// supervisor runs outside the sandbox (--allow-host; proxy_policy.go
	// says what a pattern matches). The command is told of the proxy by
	// the usual variables (HTTP_PROXY...); a tool that ignores them
	// reaches nothing. Only the namespace engine enforces it: nothing
	// else runs a policy that has any.
	AllowHosts []HostPattern

	// ProxyRoutes, with Network false, make the caller's own loopback
	// proxy endpoints reachable inside the namespace engine's network
	// namespace at the same address and port, and nothing else (Codex's
	// --allow-network-for-proxy). Namespace engine only, as AllowHosts.
	ProxyRoutes []ProxyRoute

	// Hidden are paths the command may not read (deny-read): a directory
	// or a file becomes an empty one of mode 000. Paths are absolute and
	// clean; they may or may not exist (a missing one inside a writable
	// root must not be creatable). Seatbelt and the namespace engine
	// enforce them; the exec-only engine cannot (Landlock grants reads of
	// the whole tree) and refuses a policy that has any.
	Hidden []string

	// Caches are directories the command may write through a layer of its
	// own (--cache): it sees their contents, and what it writes lands in
	// the layer, never in the directory. Only the namespace engine has
	// layers (overlayfs); the exec-only engine and Seatbelt refuse a
	// policy that has any rather than make the directory writable.
	Caches []CacheLayer

	// Engine chooses the Linux engine (ignored elsewhere).
	Engine Engine

	// Enforcement says what to do when the kernel cannot enforce all of it.
	Enforcement Enforcement
}

// Engine is which Linux engine confines the command.
type Engine int

const (
	// EngineAuto uses the namespace engine where the host allows
	// unprivileged user namespaces and the exec-only engine otherwise,
	// saying on stderr in one line what that leaves unenforced.
	EngineAuto Engine = iota
	// EngineNamespace requires the namespace engine: where the host
	// refuses it, nothing runs (125) and stderr names the cause and the fix.
	EngineNamespace
	// EngineExecOnly applies Landlock and seccomp to this process and
	// becomes the command (same PID, no supervisor).
	EngineExecOnly
)

func (e Engine) String() string {
	switch e {
	case EngineAuto:
		return "auto"
	case EngineNamespace:
		return "namespace"
	case EngineExecOnly:
		return "exec-only"
	}
	return "unknown"
}

// WritableRoot is one writable tree.
type WritableRoot struct {
	Path string
	// ReadOnly lists paths beneath Path that stay read-only, existing or
	// not (read-only islands: the generic --read-only flag, Codex's
	// protected metadata and read entries under a write entry). A missing
	// one must not be creatable. Seatbelt and the namespace engine enforce
	// them; Landlock has no way to subtract a subtree from a grant, so the
	// exec-only engine refuses a policy that has any.
	ReadOnly []string
}

// CacheLayer is one --cache directory.
type CacheLayer struct {
	// Path is the directory the command sees writable, absolute and
	// clean. A missing one is created for the run and removed afterwards.
	Path string
	// Keep, when not "", is an existing directory that keeps the layer
	// between runs (overlayfs's upper and work directories, Keep/upper and
	// Keep/work); "" throws the layer away when the run ends.
	Keep string
}

// Enforcement is the answer to "the kernel lacks a feature the policy needs".
type Enforcement int

const (
	// Strict refuses to run the command unless every guarantee holds.
	Strict Enforcement = iota
	// BestEffort runs with what the kernel has and says on stderr what is
	// not enforced.
	BestEffort
	// CodexCompat runs wherever upstream codex-linux-sandbox runs: it
	// refuses only when Landlock is missing altogether, and otherwise
	// enforces everything the running kernel offers.
	CodexCompat
)

func (e Enforcement) String() string {
	switch e {
	case Strict:
		return "strict"
	case BestEffort:
		return "best-effort"
	case CodexCompat:
		return "codex-compat"
	}
	return "unknown"
}
