-- One request, repeated: method, path, headers and body are filled in by the harness.
wrk.method = "{{method}}"
wrk.path = "{{path}}"
wrk.body = {{body}}
{{headers}}
