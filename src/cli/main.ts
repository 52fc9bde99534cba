#!/usr/bin/env node
// Entry point of the `pacer` command: dispatches to sub-commands.
console.log("pacer");
