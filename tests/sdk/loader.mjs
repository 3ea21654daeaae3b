// Module hooks that let Node load the BEdita SDK as its package ships.
//
// @atlasconsulting/bedita-sdk 3.3.2's dist/ holds ES modules ("import ... from
// './api-provider'") made for bundlers: its package.json says no "type": "module",
// and its relative imports name no file extension.  Node would read the files as
// CommonJS and refuse the imports.  These hooks, registered by walk.mjs, resolve the
// SDK's relative imports to "<name>.js" (or "<name>/index.js") and load its files as
// ES modules.  Nothing else is touched.

import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SDK = '/node_modules/@atlasconsulting/bedita-sdk/';

function isFile(url) {
    try {
        return statSync(fileURLToPath(url)).isFile();
    } catch {
        return false;
    }
}

export async function resolve(specifier, context, nextResolve) {
    const parent = context.parentURL || '';
    if (parent.includes(SDK) && (specifier.startsWith('./') || specifier.startsWith('../'))) {
        for (const tail of ['', '.js', '/index.js']) {
            const url = new URL(specifier + tail, parent);
            if (isFile(url)) {
                return { url: url.href, format: 'module', shortCircuit: true };
            }
        }
    }
    const resolved = await nextResolve(specifier, context);
    if (resolved.url.includes(SDK) && resolved.url.endsWith('.js')) {
        return { ...resolved, format: 'module' };
    }
    return resolved;
}
