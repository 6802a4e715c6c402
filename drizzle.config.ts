import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema and only ever added, never edited:
//   flock /tmp/postcard-drizzle.lock npx drizzle-kit generate --name <what>
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/main/db/schema/index.ts',
  out: './drizzle',
});
