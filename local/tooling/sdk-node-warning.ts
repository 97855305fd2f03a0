/**
 * Imported first by the local tools (npm start, npm run dlq). The AWS SDK warns on every
 * process under Node 22 that its releases after January 2027 will need Node 22. Local
 * development and CI run on Node 20 on purpose (the Lambdas run 22; README "Node versions"),
 * so the warning says nothing actionable here. An explicit setting is left alone.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
