-- wrk script for the static baseline: GET the file nginx serves (same size as the OCSP answer).
wrk.method = "GET"
