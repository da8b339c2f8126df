// Package nordic holds pure, standard-library-only Normalize → Validate
// functions for Nordic identifiers, bank accounts, postal codes and a few
// international codes (ISO 3166-1, ISO 4217, IBAN, BIC, E.164, VAT numbers,
// e-mail).
//
// Every parser trims or compacts its input, checks it and returns a canonical
// form, or an *Error whose Reason is machine readable and whose Message never
// contains the input (national identifiers and account numbers are personal
// data and must not leak into logs or error responses). A bank account, giro,
// organisation or VAT number of only zeros passes every weighted checksum but
// is never issued: it is refused (ReasonFormat).
//
// The package never reads the clock: where a rule depends on the current date
// (future birth dates, the century of a 10-digit Swedish personnummer) the
// caller passes "today".
package nordic
