// goroutines: what a Go program's runtime does on Linux (threads made with clone, futexes,
// signals between threads for preemption, timers through the netpoller) and what its code
// uses: goroutines, channels, select with timers, a WaitGroup, a Mutex, atomics.
//
// Everything printed is fixed by the program: sums over known ranges, counts of sends.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func worker(id int, jobs <-chan int, results chan<- [2]int) {
	for n := range jobs {
		sum := 0
		for i := 1; i <= n; i++ {
			sum += i * i % 7
		}
		results <- [2]int{n, sum + id*0}
	}
}

func main() {
	runtime.GOMAXPROCS(4)

	// a pool of workers fed through channels
	jobs := make(chan int, 16)
	results := make(chan [2]int, 16)
	for w := 0; w < 4; w++ {
		go worker(w, jobs, results)
	}
	go func() {
		for n := 1; n <= 200; n++ {
			jobs <- n * 100
		}
		close(jobs)
	}()
	total, got := 0, make([]int, 0, 200)
	for i := 0; i < 200; i++ {
		r := <-results
		total += r[1]
		got = append(got, r[0])
	}
	sort.Ints(got)
	fmt.Println("pool:", len(got), got[0], got[199], total)

	// many goroutines, a mutex, an atomic counter and a WaitGroup
	var wg sync.WaitGroup
	var mu sync.Mutex
	var atomicCount int64
	shared := map[int]int{}
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				atomic.AddInt64(&atomicCount, 1)
				mu.Lock()
				shared[i%10] += g
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	fmt.Println("goroutines:", atomic.LoadInt64(&atomicCount), shared[0], shared[9])

	// timers and select: done comes 30 ms after the first tick (not 30 ms after the start:
	// a busy machine may give the ticker's goroutine its first turn later than that)
	tick := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	timeout := time.After(30 * time.Second)
	first := make(chan bool)
	done := make(chan bool)
	go func() {
		<-first
		time.Sleep(30 * time.Millisecond)
		done <- true
	}()
loop:
	for {
		select {
		case <-tick.C:
			ticks++
			if ticks == 1 {
				close(first)
			}
		case <-done:
			break loop
		case <-timeout:
			fmt.Println("timed out")
			os.Exit(1)
		}
	}
	tick.Stop()
	fmt.Println("timers: ticked", ticks > 0, "then done")

	// an unbuffered ping-pong between two goroutines
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 1000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	<-pong
	fmt.Println("ping-pong:", v)
	os.Exit(3)
}
