#!/bin/sh
# usage: tmpcore/run.sh file.ts
node_modules/.bin/esbuild "$1" --bundle --platform=node --format=esm --outfile=tmpcore/out.mjs --log-level=error --external:yaml --external:re2js && cp tmpcore/out.mjs packages/core/.scratch.mjs && node packages/core/.scratch.mjs; rm -f packages/core/.scratch.mjs
