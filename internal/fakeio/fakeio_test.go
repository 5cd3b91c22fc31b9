package fakeio

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestResetSendsNoResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Reset(w) }))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got a response (%s), want a connection error", resp.Status)
	}
}

func TestResetAbortsWhenNotHijackable(t *testing.T) {
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	Reset(httptest.NewRecorder())
	t.Fatal("Reset returned")
}
