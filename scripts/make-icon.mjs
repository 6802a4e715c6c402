#!/usr/bin/env node
// Draws the app icon (resources/icon.png, 512x512) from an SVG: a postcard with a stamp.
// electron-builder derives the .icns/.ico from it. Run again after changing the drawing.
import { join } from 'node:path';
import sharp from 'sharp';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#5b5bf6"/><stop offset="1" stop-color="#2f2fb8"/>
    </linearGradient>
  </defs>
  <rect x="16" y="16" width="480" height="480" rx="108" fill="url(#bg)"/>
  <g transform="rotate(-8 256 256)">
    <rect x="92" y="142" width="328" height="228" rx="22" fill="#ffffff"/>
    <rect x="314" y="166" width="82" height="96" rx="8" fill="#ffb547"/>
    <rect x="326" y="178" width="58" height="72" rx="4" fill="none" stroke="#ffffff" stroke-width="5" stroke-dasharray="8 6"/>
    <line x1="256" y1="170" x2="256" y2="344" stroke="#d6d8e4" stroke-width="5"/>
    <rect x="118" y="188" width="112" height="14" rx="7" fill="#5b5bf6"/>
    <rect x="118" y="222" width="96" height="12" rx="6" fill="#c4c7d8"/>
    <rect x="118" y="250" width="104" height="12" rx="6" fill="#c4c7d8"/>
    <rect x="276" y="290" width="120" height="10" rx="5" fill="#c4c7d8"/>
    <rect x="276" y="316" width="96" height="10" rx="5" fill="#c4c7d8"/>
  </g>
</svg>`;

const out = join(import.meta.dirname, '..', 'resources', 'icon.png');
await sharp(Buffer.from(svg)).resize(512, 512).png({ compressionLevel: 9 }).toFile(out);
console.log(`Wrote ${out}`);
