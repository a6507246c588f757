package main

// Codex's managed-proxy mode (--allow-network-for-proxy, spec 4.4): Codex
// runs a proxy of its own on the caller's loopback and names it in the
// proxy variables; upstream's helper then runs the command in a network
// namespace whose only way out is a bridge to those endpoints. Here the
// namespace engine does the same with the supervisor as the bridge
// (Policy.ProxyRoutes, proxy_linux.go): for each loopback endpoint the
// variables name, a listener at the same address and port inside the
// sandbox's network namespace, each connection carried unread to the
// endpoint outside. Upstream moves each endpoint to an ephemeral port and
// rewrites the variables; keeping the address means the variables, and any
// configuration file that names the proxy, stay right as they are.

import (
	"errors"
	"slices"
	"strings"
)

// codexProxyEnvKeys are the variables upstream reads the endpoints from,
// in any case.
var codexProxyEnvKeys = []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "YARN_HTTP_PROXY",
	"YARN_HTTPS_PROXY", "NPM_CONFIG_HTTP_PROXY", "NPM_CONFIG_HTTPS_PROXY", "NPM_CONFIG_PROXY", "BUNDLE_HTTP_PROXY",
	"BUNDLE_HTTPS_PROXY", "PIP_PROXY", "DOCKER_HTTP_PROXY", "DOCKER_HTTPS_PROXY"}

// codexProxyRoutes are the loopback endpoints env's proxy variables name,
// each once, in the order of codexProxyEnvKeys. Like upstream, it refuses when none of
// the variables is set, or none names a loopback endpoint it can parse
// (a proxy elsewhere would need the network the mode is there to deny).
func codexProxyRoutes(env []string) ([]ProxyRoute, error) {
	var routes []ProxyRoute
	set := false
	for _, key := range codexProxyEnvKeys { // a stable order, whatever env's
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if v == "" || !strings.EqualFold(k, key) {
				continue
			}
			set = true
			r, ok := loopbackEndpoint(v)
			if ok && !slices.Contains(routes, r) {
				routes = append(routes, r)
			}
		}
	}
	switch {
	case !set:
		return nil, errors.New("--allow-network-for-proxy: managed proxy mode requires proxy environment variables")
	case len(routes) == 0:
		return nil, errors.New("--allow-network-for-proxy: managed proxy mode requires parseable loopback proxy endpoints")
	}
	return routes, nil
}

// loopbackEndpoint parses [SCHEME://][USER@]HOST[:PORT][/...] whose HOST
// is localhost, 127.0.0.1 or [::1]; the port defaults by scheme: https
// 443, socks* 1080, anything else 80.
func loopbackEndpoint(v string) (ProxyRoute, bool) {
	scheme, rest, ok := strings.Cut(v, "://")
	if !ok {
		scheme, rest = "http", v
	}
	scheme = strings.ToLower(scheme)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host, port, err := splitHostPort(rest, false)
	if err != nil {
		return ProxyRoute{}, false
	}
	host = strings.ToLower(host)
	if host != "localhost" && host != "127.0.0.1" && host != "::1" {
		return ProxyRoute{}, false
	}
	if port == 0 {
		switch {
		case scheme == "https":
			port = 443
		case strings.HasPrefix(scheme, "socks"):
			port = 1080
		default:
			port = 80
		}
	}
	return ProxyRoute{Host: host, Port: port}, true
}
