# The seeds' asyncio pattern (shared/seeds/000): aiohttp session, a semaphore bounding concurrency,
# session.get -> raise_for_status -> response.json(), asyncio.gather. Timed over all pages after a
# warm-up on a quarter of them, as FetchProbe does. The benchmark runs it with /usr/bin/python3.
# Usage: seed_asyncio.py PAGE_URL_PREFIX PAGES CONCURRENCY TOKEN_ENV
import asyncio, os, sys, time
import aiohttp

async def fetch_trade_batch(session, semaphore, batch_url, headers):
    async with semaphore:
        async with session.get(batch_url, headers=headers) as response:
            response.raise_for_status()
            return await response.json()

async def run_pipeline(urls, headers, max_concurrency=64):
    semaphore = asyncio.Semaphore(max_concurrency)
    async with aiohttp.ClientSession() as session:
        tasks = [fetch_trade_batch(session, semaphore, url, headers) for url in urls]
        return await asyncio.gather(*tasks, return_exceptions=True)

base, pages, conc, token_env = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
headers = {"Authorization": "Bearer " + os.environ[token_env]}
urls = [base + str(p) for p in range(1, pages + 1)]
asyncio.run(run_pipeline(urls[: max(1, pages // 4)], headers, conc))
t = time.perf_counter()
res = asyncio.run(run_pipeline(urls, headers, conc))
dt = time.perf_counter() - t
bad = sum(1 for r in res if isinstance(r, Exception))
recs = sum(len(r.get("records", [])) for r in res if isinstance(r, dict))
print(f"RESULT pages={pages} millis={dt*1000:.0f} records={recs} failed={bad}")
