package domain

// RestoreCustomer rebuilds a customer from a snapshot of its state (as kept by a read model),
// so further events can be applied without replaying the stream. A state with an empty
// CustomerNo restores a customer that does not exist yet.
func RestoreCustomer(s CustomerState) *Customer {
	return &Customer{state: s.Clone(), exists: s.CustomerNo != ""}
}
