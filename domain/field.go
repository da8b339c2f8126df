package domain

// Field is an input value as a client sent it: absent, null, or a value. PATCH needs all three
// (absent leaves a property unchanged, null removes it); elsewhere null counts as absent.
type Field[T any] struct {
	Present bool // the property was in the request
	Null    bool // it was JSON null
	Value   T
}

// Set returns a present, non-null field.
func Set[T any](v T) Field[T] { return Field[T]{Present: true, Value: v} }

// Null returns a present field holding JSON null.
func Null[T any]() Field[T] { return Field[T]{Present: true, Null: true} }

// HasValue reports whether the field is present and not null.
func (f Field[T]) HasValue() bool { return f.Present && !f.Null }
