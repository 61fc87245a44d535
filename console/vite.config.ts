/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The Roster server the dev and preview servers forward the API to.
const api = process.env.ROSTER_API_URL ?? 'http://127.0.0.1:3000';
const proxy = {
  '/v1': { target: api, changeOrigin: false },
  '/.well-known': { target: api, changeOrigin: false },
  // The directory-sync (SCIM) endpoints an identity provider calls: the base URL names this address.
  '/scim': { target: api, changeOrigin: false },
};

export default defineConfig({
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The Rust binary embeds exactly these files: stable names, one script, one stylesheet.
    cssCodeSplit: false,
    modulePreload: false,
    sourcemap: false,
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/app.js',
        chunkFileNames: 'assets/app.js',
        assetFileNames: (asset) => (asset.names.some((n) => n.endsWith('.css')) ? 'assets/app.css' : 'assets/[name][extname]'),
        codeSplitting: false,
      },
    },
  },
  server: { proxy },
  preview: { proxy },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
