module example.invalid/strata/capi/go/strata

go 1.19
