package webhook

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors, for errors.Is.
var (
	// ErrNotSigned reports a delivery without a usable signature header
	// (X-Hub-Signature-256, or X-Hub-Signature when AllowSHA1 is set).
	ErrNotSigned = errors.New("webhook: missing X-Hub-Signature-256")
	// ErrInvalidSignature reports a signature header that is malformed or does
	// not match the payload.
	ErrInvalidSignature = errors.New("webhook: signature mismatch")
	// ErrTooLarge reports a request body over Config.MaxBodyBytes.
	ErrTooLarge = errors.New("webhook: payload too large")
	// ErrMalformed reports a signed payload that is not a valid webhook
	// delivery: not JSON, wrong types, or a leadgen change without a lead id.
	ErrMalformed = errors.New("webhook: malformed payload")
	// ErrQueueFull reports a delivery that does not fit in the queue as a
	// whole; none of its events were enqueued.
	ErrQueueFull = errors.New("webhook: queue full")
	// ErrClosed reports a queue that no longer accepts events (the Handler is
	// shutting down), or a closed queue that has no events left.
	ErrClosed = errors.New("webhook: queue closed")
	// ErrShutdown reports events abandoned because Shutdown's deadline passed
	// before they were processed.
	ErrShutdown = errors.New("webhook: shut down before the event was processed")
)

// Stage names the processing step at which an event failed.
type Stage string

// Processing stages reported in a ProcessError.
const (
	// StageClaim: the DedupStore could not be asked whether the lead is new.
	StageClaim Stage = "claim"
	// StageFetch: the lead could not be read from Graph.
	StageFetch Stage = "fetch"
	// StageHandle: Config.Handle returned an error.
	StageHandle Stage = "handle"
	// StageDone: Config.Handle succeeded but the DedupStore did not record it,
	// so a redelivery after the claim lease may process the lead again.
	StageDone Stage = "done"
	// StageShutdown: Shutdown's deadline passed before the event was processed.
	StageShutdown Stage = "shutdown"
)

// ProcessError is what Config.OnError receives for an event the Handler gave
// up on. Except for StageDone, the event was not marked done in the
// DedupStore, so a redelivery or a reconciliation run processes it again.
type ProcessError struct {
	// LeadID is the event's leadgen_id.
	LeadID string
	// Stage is the step that failed.
	Stage Stage
	// Attempts is how many attempts were made (0 when none was started).
	Attempts int
	// Err is the last error, already redacted.
	Err error
}

// Error returns a message naming the lead id, stage and attempts.
func (e *ProcessError) Error() string {
	return "webhook: lead " + e.LeadID + ": " + string(e.Stage) + " failed after " +
		strconv.Itoa(e.Attempts) + " attempt(s): " + errString(e.Err)
}

// Unwrap returns the last error.
func (e *ProcessError) Unwrap() error { return e.Err }

// Is reports whether target is ErrShutdown and the event was abandoned at
// shutdown.
func (e *ProcessError) Is(target error) bool {
	return target == ErrShutdown && e.Stage == StageShutdown
}

// ShutdownError is returned by Handler.Shutdown when its deadline passed
// before every acknowledged event was processed. Each of the Left events was
// reported to Config.OnError with StageShutdown.
type ShutdownError struct {
	// Left is the number of acknowledged events that were not processed.
	Left int
	// Err is the context's error (context.DeadlineExceeded or Canceled).
	Err error
}

// Error returns a message with the number of events left.
func (e *ShutdownError) Error() string {
	return fmt.Sprintf("webhook: shutdown: %d event(s) left unprocessed: %s", e.Left, errString(e.Err))
}

// Unwrap returns the context's error.
func (e *ShutdownError) Unwrap() error { return e.Err }

// Is reports whether target is ErrShutdown.
func (e *ShutdownError) Is(target error) bool { return target == ErrShutdown }

// Permanent marks err as not worth retrying: when Config.Handle or the
// LeadFetcher returns it, the Handler gives up on the event at once and
// reports it to Config.OnError. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
