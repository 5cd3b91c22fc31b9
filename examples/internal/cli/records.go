package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
)

// RecordWriter writes records of type T in one format: Begin before the
// first, End after the last.
type RecordWriter[T any] interface {
	Begin() error
	Write(T) error
	End() error
}

// JSONLWriter writes each record as one JSON line (see JSONLines).
type JSONLWriter[T any] struct{ enc *json.Encoder }

// NewJSONLWriter returns a JSONLWriter on w.
func NewJSONLWriter[T any](w io.Writer) *JSONLWriter[T] { return &JSONLWriter[T]{enc: JSONLines(w)} }

// Begin writes nothing.
func (j *JSONLWriter[T]) Begin() error { return nil }

// Write writes rec and a newline.
func (j *JSONLWriter[T]) Write(rec T) error { return j.enc.Encode(rec) }

// End writes nothing.
func (j *JSONLWriter[T]) End() error { return nil }

// CSVWriter writes a header row, then one row per record.
type CSVWriter[T any] struct {
	w      *csv.Writer
	header []string
	row    func(dst []string, rec T) ([]string, error)
	buf    []string
}

// NewCSVWriter returns a CSVWriter on w whose Begin writes header and whose
// Write writes the row that row appends to dst (a reused, emptied slice).
func NewCSVWriter[T any](w io.Writer, header []string, row func(dst []string, rec T) ([]string, error)) *CSVWriter[T] {
	return &CSVWriter[T]{w: csv.NewWriter(w), header: header, row: row}
}

// Begin writes the header.
func (c *CSVWriter[T]) Begin() error { return c.w.Write(c.header) }

// Write writes rec's row.
func (c *CSVWriter[T]) Write(rec T) error {
	row, err := c.row(c.buf[:0], rec)
	if err != nil {
		return err
	}
	c.buf = row
	return c.w.Write(row)
}

// End flushes the rows.
func (c *CSVWriter[T]) End() error {
	c.w.Flush()
	return c.w.Error()
}

// RecordFile writes records to -out (see Create), buffered: Commit ends
// them and makes the file appear; Close discards an uncommitted file.
type RecordFile[T any] struct {
	out  *Out
	bw   *bufio.Writer
	w    RecordWriter[T]
	dest string
}

// CreateRecords creates the output for -out path (stdout when path is ""
// or "-"), makes the record writer on it with newWriter and begins it.
func CreateRecords[T any](path string, stdout io.Writer, newWriter func(io.Writer) RecordWriter[T]) (*RecordFile[T], error) {
	out, err := Create(path, stdout)
	if err != nil {
		return nil, err
	}
	f := &RecordFile[T]{out: out, bw: bufio.NewWriter(out), dest: "stdout"}
	if path != "" && path != "-" {
		f.dest = path
	}
	f.w = newWriter(f.bw)
	if err := f.w.Begin(); err != nil {
		out.Close()
		return nil, err
	}
	return f, nil
}

// Write writes one record.
func (f *RecordFile[T]) Write(rec T) error { return f.w.Write(rec) }

// Commit ends the records, flushes them and makes the file visible.
func (f *RecordFile[T]) Commit() error {
	if err := f.w.End(); err != nil {
		return err
	}
	if err := f.bw.Flush(); err != nil {
		return err
	}
	return f.out.Commit()
}

// Close discards the file unless Commit succeeded; it is safe to defer.
func (f *RecordFile[T]) Close() error { return f.out.Close() }

// Dest names the destination for messages: the -out path or "stdout".
func (f *RecordFile[T]) Dest() string { return f.dest }
