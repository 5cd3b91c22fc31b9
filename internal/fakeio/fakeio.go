// Package fakeio holds the connection-level faults the fake servers
// (metaleadstest, alfacrmtest) inject.
package fakeio

import (
	"net"
	"net/http"
)

// Reset drops the client connection without writing anything: it hijacks
// it and closes it with a TCP RST (linger 0) when it is TCP. When w cannot
// be hijacked it aborts the handler, which also closes the connection
// without an answer.
func Reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
