module github.com/nordledger/ledger

go 1.26.8

require (
	github.com/MicahParks/jwkset v0.11.3
	github.com/MicahParks/keyfunc/v3 v3.9.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/google/uuid v1.6.0
	go.etcd.io/bbolt v1.5.0
	golang.org/x/time v0.15.0
)

require golang.org/x/sys v0.45.0 // indirect
